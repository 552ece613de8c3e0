"""Encode throughput of the Python reference tokenizers on DialogSum's dialogues, in MB/s of UTF-8.

The same corpus and measure as benchmarks/src/main/java/dev/lora4j/benchmarks/TokenizerBenchmark.java:
every dialogue of dialogsum.{train,dev,test}.jsonl (13,460 texts, about 9.4 MB), encoded with special
tokens. Each configuration runs in a fresh process (thread pools are fixed at import) and reports the
median of several passes after a warm-up pass; tokenizers' Unigram keeps a word cache, which the
warm-up fills, as it would be in a training run.

Usage: python tokenizer_bench.py [--data /path/to/shared/data] [--passes 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def load_dialogues(data):
    texts = []
    for split in ("train", "dev", "test"):
        with open(os.path.join(data, "dialogsum", "dialogsum.%s.jsonl" % split), encoding="utf-8") as f:
            texts.extend(json.loads(line)["dialogue"] for line in f if line.strip())
    return texts


def measure(encode_all, texts, passes):
    total = sum(len(t.encode("utf-8")) for t in texts)
    encode_all(texts)  # warm-up
    times = []
    for _ in range(passes):
        start = time.perf_counter()
        encode_all(texts)
        times.append(time.perf_counter() - start)
    return total / 1e6 / statistics.median(times)


def run_one(name, data, passes):
    texts = load_dialogues(data)
    t5 = os.path.join(data, "t5-tokenizer")
    if name.startswith("tokenizers"):
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(os.path.join(t5, "tokenizer.json"))
        if name == "tokenizers-1-thread-per-call":
            encode_all = lambda ts: [tok.encode(t) for t in ts]
        else:
            # encode_batch runs the whole corpus inside Rust: sequentially when parallelism is off.
            encode_all = lambda ts: tok.encode_batch(ts)
    else:
        import sentencepiece as spm
        sp = spm.SentencePieceProcessor(model_file=os.path.join(t5, "spiece.model"))
        threads = 1 if name == "sentencepiece-1-thread" else 2
        encode_all = lambda ts: sp.encode(ts, num_threads=threads)
    return measure(encode_all, texts, passes)


CONFIGS = {
    # name: environment for the child process
    "tokenizers-1-thread": {"TOKENIZERS_PARALLELISM": "false", "RAYON_NUM_THREADS": "1"},
    "tokenizers-1-thread-per-call": {"TOKENIZERS_PARALLELISM": "false", "RAYON_NUM_THREADS": "1"},
    "tokenizers-2-threads": {"TOKENIZERS_PARALLELISM": "true", "RAYON_NUM_THREADS": "2"},
    "sentencepiece-1-thread": {},
    "sentencepiece-2-threads": {},
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../../shared/data"))
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = os.path.abspath(args.data)
    if args.one:
        print(json.dumps({"config": args.one, "mb_per_s": run_one(args.one, data, args.passes)}))
        return
    texts = load_dialogues(data)
    print("corpus: %d DialogSum dialogues, %.2f MB UTF-8" % (len(texts), sum(len(t.encode()) for t in texts) / 1e6))
    for name, env in CONFIGS.items():
        child_env = dict(os.environ, HF_HUB_OFFLINE="1", **env)
        out = subprocess.run([sys.executable, __file__, "--data", data, "--passes", str(args.passes), "--one", name],
                             env=child_env, capture_output=True, text=True, check=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        print("%-30s %7.2f MB/s" % (name, result["mb_per_s"]))


if __name__ == "__main__":
    main()
