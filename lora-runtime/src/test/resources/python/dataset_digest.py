"""For SharedDatasetsTest: what Python's json and csv modules read from the dataset files, as counts and
SHA-256 digests that the Java readers must reproduce.

Arguments are "<layout>=<path>". For each prints "<path>\t<rows>\t<raw digest>\t<normalized digest>".
The digest covers, per row in file order: id, dialogue, each summary, and the topic (or a marker when
the layout has none), joined by U+0001 with U+0002 after each row, UTF-8 encoded. "raw" hashes the
strings as parsed; "normalized" first replaces "\r\n" and then lone "\r" by "\n" (the readers' default).
Rows whose dialogue or a summary is empty or whitespace-only are left out, as the readers' SKIP policy
does (SAMSum train has one such row).
"""
import csv
import hashlib
import json
import sys

NO_TOPIC = "\u0000no-topic"

LAYOUTS = {
    "dialogsum": ("fname", "dialogue", ["summary"], "topic"),
    "dialogsum_test": ("fname", "dialogue", ["summary1", "summary2", "summary3"], "topic1"),
    "dialogue_only": ("fname", "dialogue", [], None),
    "samsum": ("id", "dialogue", ["summary"], None),
    "csv_hf": ("id", "dialogue", ["summary"], "topic"),
    "csv_no_topic": ("id", "dialogue", ["summary"], None),
}


def rows_of(layout, path):
    if layout.startswith("csv"):
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    with open(path, encoding="utf-8") as f:
        if path.endswith(".jsonl"):
            return [json.loads(line) for line in f if line.strip()]
        return json.load(f)


def normalize(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


def digest(rows, fields, transform):
    id_field, dialogue_field, summary_fields, topic_field = fields
    h = hashlib.sha256()
    for row in rows:
        parts = [str(row[id_field]), transform(row[dialogue_field])]
        parts += [transform(row[f]) for f in summary_fields]
        parts.append(transform(row[topic_field]) if topic_field else NO_TOPIC)
        h.update(("\u0001".join(parts) + "\u0002").encode("utf-8"))
    return h.hexdigest()


def main():
    for arg in sys.argv[1:]:
        layout, path = arg.split("=", 1)
        fields = LAYOUTS[layout]
        rows = [r for r in rows_of(layout, path)
                if r[fields[1]].strip() and all(r[f].strip() for f in fields[2])]
        print("\t".join([path, str(len(rows)), digest(rows, fields, lambda s: s), digest(rows, fields, normalize)]))


if __name__ == "__main__":
    main()
