#!/usr/bin/env python3
"""T5Benchmark's workloads with transformers (eager PyTorch, default attention), for comparison.

flan-t5-small shape (shared/data/flan-t5-configs/flan-t5-small.json), random weights, float32, CPU; one
batch of --batch sources of --source-len tokens (the last row padded to half length) and targets of
--target-len tokens, as benchmarks/src/main/java/dev/lora4j/benchmarks/T5Benchmark.java builds it:

  forward          model.eval(), torch.no_grad(): model(input_ids, attention_mask, labels=labels), loss.item()
  forward_backward model.train() (dropout 0.1): the same forward, loss.backward(), then
                   model.zero_grad(set_to_none=True)

Each workload runs --warmup times, then --rounds timed runs; we report the median and minimum seconds
per run (wall clock), and the median process CPU time per run (time.process_time: with one torch thread,
the whole step's CPU cost, and far steadier than wall time on a shared machine). torch uses --threads
intra-op threads (default: every core), like the Java side.
Prints JSON (to --json, or stdout with --json -).
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import torch
from transformers import T5Config, T5ForConditionalGeneration

# The op-overhead benchmark's helpers, next to this file.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from op_overhead import cpu_model  # noqa: E402
from bench_common import untie_lm_head  # noqa: E402

FLAN_T5_SMALL = dict(vocab_size=32128, d_model=512, d_kv=64, d_ff=1024, num_layers=8, num_decoder_layers=8,
                     num_heads=6, relative_attention_num_buckets=32, relative_attention_max_distance=128,
                     dropout_rate=0.1, layer_norm_epsilon=1e-6, initializer_factor=1.0,
                     feed_forward_proj="gated-gelu", tie_word_embeddings=False, pad_token_id=0, eos_token_id=1,
                     decoder_start_token_id=0)


def batch(b, s, t):
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(2, 32002, (b, s), generator=g)
    mask = torch.ones(b, s, dtype=torch.int64)
    ids[-1, s // 2:] = 0
    mask[-1, s // 2:] = 0
    labels = torch.randint(2, 32002, (b, t), generator=g)
    return ids, mask, labels


def timed(fn, warmup, rounds):
    for _ in range(warmup):
        fn()
    times, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"median_s": statistics.median(times), "min_s": min(times), "cpu_median_s": statistics.median(cpu),
            "rounds": rounds}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--source-len", type=int, default=128)
    p.add_argument("--target-len", type=int, default=32)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--json", default="-")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    # transformers 5.17 ties lm_head to the embeddings whatever the config says; FLAN-T5 (and lora4j's
    # model of this shape) has its own head: 77M parameters, not 61M.
    model = untie_lm_head(T5ForConditionalGeneration(T5Config(**FLAN_T5_SMALL)))
    assert sum(p.numel() for p in model.parameters()) > 70_000_000, "lm_head is still tied"
    ids, mask, labels = batch(a.batch, a.source_len, a.target_len)

    def forward():
        model.eval()
        with torch.no_grad():
            model(input_ids=ids, attention_mask=mask, labels=labels).loss.item()

    def forward_backward():
        model.train()
        out = model(input_ids=ids, attention_mask=mask, labels=labels)
        out.loss.backward()
        out.loss.item()
        model.zero_grad(set_to_none=True)

    tokens = a.batch * (a.source_len + a.target_len)
    results = {}
    for name, fn in (("forward", forward), ("forward_backward", forward_backward)):
        r = timed(fn, a.warmup, a.rounds)
        r["tokens_per_s"] = tokens / r["median_s"]
        results[name] = r
        print(f"{name}: {r['median_s'] * 1000:.1f} ms median, {r['min_s'] * 1000:.1f} ms min, "
              f"{r['cpu_median_s'] * 1000:.1f} ms CPU, {r['tokens_per_s']:.0f} tokens/s", file=sys.stderr)
    out = {
        "workloads": results,
        "shape": {"batch": a.batch, "source_len": a.source_len, "target_len": a.target_len, "tokens": tokens},
        "meta": {"torch": torch.__version__, "transformers": __import__("transformers").__version__,
                 "python": platform.python_version(), "torch_threads": torch.get_num_threads(),
                 "attn_implementation": model.config._attn_implementation, "cpu": cpu_model(),
                 "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d %H:%M:%S")},
    }
    text = json.dumps(out, indent=2)
    if a.json == "-":
        print(text)
    else:
        with open(a.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
