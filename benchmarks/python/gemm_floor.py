#!/usr/bin/env python3
"""The matrix-product floor of a LoRA training step of FLAN-T5 on this CPU (issue 20).

Most of a CPU training step is the frozen base's products: every linear layer's x·Wᵀ forward and dy·W for
the input gradient, plus attention's q·kᵀ and p·v and their gradients. This script counts those products
for the batches of a bench-report batch file (the T5 config of --shape, LoRA on q and v) and times each
distinct product shape on this machine, one thread, with the faster of ATen (MKL) and oneDNN, best of
--repeat. The sum is the time a step needs for its products alone, at the best rate this CPU gives them:
no framework can train these batches in float32 faster than that (short of skipping products), so
PEFT's step time divided by it bounds the ratio any trainer can reach against PEFT on this machine.

Counted per step (T5 with gated FFN, flan-t5's config):
  encoder, per layer, on the batch's real source tokens (lora4j packs away padding; --padded counts
      B x longest instead, as transformers runs):  q k v o (d -> inner), wi_0 wi_1 (d -> ff), wo (ff -> d)
  decoder, per layer, on the real target tokens: self q k v o, cross q o, wi_0 wi_1 wo; cross k v on the
      encoder's tokens
  lm_head on the target tokens
  input gradients: the same products transposed, except the first block's q, k, v in each stack (their
      input, the frozen embedding's output, needs no gradient)
  attention, per layer: q·kᵀ and p·v forward, four products backward, on padded (B, H, T, T) as both
      sides compute them
Not counted: LoRA's rank-8 products (~1% of the flops at r 8), elementwise work, the loss.

Usage: gemm_floor.py BATCH_FILE --shape large --steps 1,2 [--report REPORT_JSON]
With --report, the measured lora4j and PEFT step times of the same batches are printed beside the floor.
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import load_plan  # noqa: E402

SHAPES = {  # d_model, inner (heads * d_kv), d_ff, layers per stack, heads, d_kv, vocabulary
    "small": (512, 384, 1024, 8, 6, 64, 32128),
    "base": (768, 768, 2048, 12, 12, 64, 32128),
    "large": (1024, 1024, 2816, 24, 16, 64, 32128),
}


def best_seconds(fn, repeat):
    fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


class ProductTimer:
    """Best time of one (rows x in) · (in -> out) product, the faster of ATen and oneDNN, cached by shape."""

    def __init__(self, repeat):
        self.repeat = repeat
        self.cache = {}
        self.onednn = hasattr(torch.ops, "mkldnn") and hasattr(torch.ops.mkldnn, "_linear_pointwise")

    def linear(self, rows, inp, out):
        key = ("linear", rows, inp, out)
        if key not in self.cache:
            x, w = torch.randn(rows, inp), torch.randn(out, inp)
            t = best_seconds(lambda: torch.nn.functional.linear(x, w), self.repeat)
            if self.onednn:
                t = min(t, best_seconds(lambda: torch.ops.mkldnn._linear_pointwise(x, w, None, "none", [], None), self.repeat))
            self.cache[key] = t
        return self.cache[key]

    def input_gradient(self, rows, inp, out):
        """dy (rows, out) · W (out, inp)."""
        key = ("grad", rows, inp, out)
        if key not in self.cache:
            dy, w = torch.randn(rows, out), torch.randn(out, inp)
            t = best_seconds(lambda: dy @ w, self.repeat)
            if self.onednn:
                t = min(t, best_seconds(lambda: torch.ops.mkldnn._linear_pointwise(dy, w.t(), None, "none", [], None), self.repeat))
            self.cache[key] = t
        return self.cache[key]

    def attention(self, batch, heads, tq, tk, d_kv):
        """q·kᵀ and p·v forward, and the four products of their backward, for one layer."""
        key = ("attention", batch, heads, tq, tk)
        if key not in self.cache:
            q, k, v = torch.randn(batch, heads, tq, d_kv), torch.randn(batch, heads, tk, d_kv), torch.randn(batch, heads, tk, d_kv)
            p = torch.randn(batch, heads, tq, tk)
            forward = best_seconds(lambda: (q @ k.transpose(-1, -2), p @ v), self.repeat)
            dctx = torch.randn(batch, heads, tq, d_kv)
            backward = best_seconds(lambda: (dctx @ v.transpose(-1, -2), p.transpose(-1, -2) @ dctx,
                                             p @ k, p.transpose(-1, -2) @ q), self.repeat)
            self.cache[key] = (forward, backward)
        return self.cache[key]


def step_floor(timer, shape, batch, padded):
    d, inner, ff, layers, heads, d_kv, vocab = SHAPES[shape]
    sources, targets = batch["input_ids"], batch["labels"]
    b = len(sources)
    s_len, t_len = max(len(s) for s in sources), max(len(t) for t in targets)
    ns = b * s_len if padded else sum(len(s) for s in sources)
    nt = b * t_len if padded else sum(len(t) for t in targets)
    fwd = bwd = 0.0
    enc_layer = [(ns, d, inner)] * 4 + [(ns, d, ff)] * 2 + [(ns, ff, d)]
    dec_layer = [(nt, d, inner)] * 6 + [(ns, d, inner)] * 2 + [(nt, d, ff)] * 2 + [(nt, ff, d)]
    first_qkv = {"enc": [(ns, d, inner)] * 3, "dec": [(nt, d, inner)] * 3}
    for stack, per_layer in (("enc", enc_layer), ("dec", dec_layer)):
        for layer in range(layers):
            for rows, inp, out in per_layer:
                fwd += timer.linear(rows, inp, out)
                bwd += timer.input_gradient(rows, inp, out)
            if layer == 0:
                bwd -= sum(timer.input_gradient(*p) for p in first_qkv[stack])
    fwd += timer.linear(nt, d, vocab)
    bwd += timer.input_gradient(nt, d, vocab)
    for tq, tk in ((s_len, s_len), (t_len, t_len), (t_len, s_len)):
        f, g = timer.attention(b, heads, tq, tk, d_kv)
        fwd += layers * f
        bwd += layers * g
    return {"source_tokens": ns, "target_tokens": nt, "forward_s": fwd, "backward_s": bwd}


def measured_steps(report, shape):
    for row in report["details"]["training"]:
        if row["shape"] == shape:
            java = {c["step"]: c for c in row["lora4j"]["record"]["calls"]}
            peft = {c["step"]: c for c in row["peft"]["record"]["steps"]}
            return java, peft
    raise SystemExit(f"the report has no {shape} training row")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("batches", help="a bench-report batch file (benchmarks/target/bench-report/*/batches-b4.json)")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="large")
    parser.add_argument("--steps", default="1,2", help="batch indices, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--report", help="a bench-report JSON with the same batches: prints measured step times beside the floor")
    args = parser.parse_args()
    torch.set_num_threads(1)
    plan = load_plan(args.batches)
    timer = ProductTimer(args.repeat)
    report = measured_steps(json.load(open(args.report)), args.shape) if args.report else None
    print(f"{args.shape}, one thread, {torch.__version__}; seconds per step")
    for index in (int(i) for i in args.steps.split(",")):
        batch = plan["training"][index]
        packed = step_floor(timer, args.shape, batch, padded=False)
        padded = step_floor(timer, args.shape, batch, padded=True)
        floor = packed["forward_s"] + packed["backward_s"]
        line = (f"batch {index}: {packed['source_tokens']} + {packed['target_tokens']} tokens; floor {floor:.2f} "
                f"(forward {packed['forward_s']:.2f}, backward {packed['backward_s']:.2f}); "
                f"padded floor {padded['forward_s'] + padded['backward_s']:.2f}")
        if report:
            java, peft = report[0][index], report[1][index]
            j = (java["forward_ns"] + java["backward_ns"]) / 1e9
            p = (peft["forward_ns"] + peft["backward_ns"]) / 1e9
            line += f"; lora4j {j:.2f} ({floor / j:.0%} of it products), PEFT {p:.2f}; PEFT / floor {p / floor:.2f}"
        print(line)


if __name__ == "__main__":
    main()
