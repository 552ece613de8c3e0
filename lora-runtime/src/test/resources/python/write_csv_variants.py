"""For SharedDatasetsTest: writes CSV files the way common tools do, from the shared JSON data, into
argv[1] (a temporary folder, never the repository). Python's csv module quotes fields holding commas,
quotes or line breaks, doubles embedded quotes, and keeps line breaks inside quoted fields.

  dialogsum_dev_crlf.csv    id,dialogue,summary,topic, csv default "\r\n" row endings (QUOTE_MINIMAL)
  dialogsum_dev_lf.csv      the same with "\n" row endings, as pandas' to_csv writes
  dialogsum_dev_quote_all.csv  every field quoted
  dialogsum_test_flat.csv   the test split flattened like the Hugging Face copy: one row per reference
  samsum_val.csv            id,dialogue,summary with the "\r\n" line breaks inside dialogues
"""
import csv
import json
import os
import sys

DATA = sys.argv[2]
OUT = sys.argv[1]


def jsonl(name):
    with open(os.path.join(DATA, "dialogsum", name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write(name, header, rows, **options):
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, **options)
        writer.writerow(header)
        writer.writerows(rows)


dev = [[r["fname"], r["dialogue"], r["summary"], r["topic"]] for r in jsonl("dialogsum.dev.jsonl")]
header = ["id", "dialogue", "summary", "topic"]
write("dialogsum_dev_crlf.csv", header, dev)
write("dialogsum_dev_lf.csv", header, dev, lineterminator="\n")
write("dialogsum_dev_quote_all.csv", header, dev, quoting=csv.QUOTE_ALL)

flat = []
for r in jsonl("dialogsum.test.jsonl"):
    for k in (1, 2, 3):
        flat.append(["%s_%d" % (r["fname"], k), r["dialogue"], r["summary%d" % k], r["topic%d" % k]])
write("dialogsum_test_flat.csv", header, flat)

with open(os.path.join(DATA, "samsum", "val.json"), encoding="utf-8") as f:
    samsum = json.load(f)
write("samsum_val.csv", ["id", "dialogue", "summary"], [[r["id"], r["dialogue"], r["summary"]] for r in samsum])
