#!/usr/bin/env python3
"""LoraLinearBenchmark's workloads (issue 3) with PEFT's LoRA Linear in PyTorch eager, for comparison.

The model is what a PEFT user runs: a module holding one nn.Linear(d, d) (with bias), wrapped by
get_peft_model(LoraConfig(r=r, lora_alpha=8, lora_dropout=p, target_modules=["proj"])), so W and the
bias are frozen and lora_A / lora_B are trainable; PEFT's default init, except lora_B set non-zero (as
after some training); model.train(), so nn.Dropout(p) is active when p > 0. float32 on the CPU (or a GPU, below), x of
shape (tokens, d) requiring grad as inside a network, torch.set_num_threads(--threads).

  forward           y = model(x), recording the graph (grad mode on); y is dropped at once
  forward_backward  y = model(x); y.backward(dy); then the gradients of x, A and B set to None (as
                    optimizer.zero_grad(set_to_none=True)), so each step allocates them afresh

Timing: as op_overhead.measure (gc disabled as in timeit; refcounting still frees every step's tensors),
but every round is kept: a warm-up of at least --warmup-ms, then --repeat rounds of `number` calls,
`number` sized so a round lasts about --round-ms (JMH's iteration length in scripts/bench-lora.sh). Each
round gives one per-call average in ms, of wall time (`rounds_ms`) and of the calling thread's CPU time
(`rounds_cpu_ms`, time.thread_time: with one thread all of torch's CPU work runs on the calling thread,
and this is steadier than wall time on a shared machine). We report the median round (the headline,
comparable to JMH's per-iteration averages) and the min; scripts/bench-lora.sh pools the rounds of
several alternating runs.

Saved tensors: one forward+backward under torch.autograd.graph.saved_tensors_hooks, summing the bytes of
the distinct storages autograd saves for backward, split into storages of x or of a parameter (alive
anyway) and the rest ("extra": activations kept only for backward). lora4j's op cannot be hooked from
here; by its design (native/src/lora_linear.cpp) it saves x, W, A, B and h = D(x)·Aᵀ (tokens x r), so its
extra is tokens·r·4 bytes; that figure is reported alongside as `lora4j_extra_bytes_by_design`.

Configs: --config d,tokens,r,p (repeatable) or --config full (issue 3's grid: d = 768, 1024; tokens =
4096, 8192, 16384; r = 8, 16, 64; p = 0, 0.05); default the CPU subset of scripts/bench-lora.sh on the
CPU, the full grid on a GPU.

--device cuda (the default where torch sees a GPU, so scripts/gpu-check.sh's run without arguments times
PEFT on the GPU) puts the model and data on the GPU and synchronizes after every call, so a call's time
is the GPU's; the CPU times then count only the host's work, and each config also reports the peak of
torch.cuda.max_memory_allocated over one forward+backward above what was allocated before it.
Prints one human line per workload and writes JSON (to --json, or stdout with --json -).
"""

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time

import torch
from torch import nn

# The op-overhead benchmark's helpers, next to this file.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from op_overhead import cpu_model  # noqa: E402

import peft  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402

LORA_ALPHA = 8  # PEFT's default, as LoraLinearBenchmark.LORA_ALPHA
INIT_SEED = 1234
DEFAULT_CONFIGS = ["768,4096,8,0", "768,4096,8,0.05", "768,4096,64,0", "768,4096,64,0.05", "1024,4096,16,0.05"]
FULL_GRID = [f"{d},{n},{r},{p}" for d in (768, 1024) for n in (4096, 8192, 16384) for r in (8, 16, 64) for p in (0, 0.05)]


class OneLinear(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        return self.proj(x)


def build(d, tokens, r, p, device):
    torch.manual_seed(INIT_SEED)
    model = get_peft_model(OneLinear(d), LoraConfig(r=r, lora_alpha=LORA_ALPHA, lora_dropout=p,
                                                    target_modules=["proj"]))
    layer = model.base_model.model.proj
    with torch.no_grad():
        layer.lora_B["default"].weight.normal_(0.0, 0.02)  # non-zero B, as after some training
    model.to(device)
    model.train()
    trainable = [q for q in model.parameters() if q.requires_grad]
    assert [tuple(q.shape) for q in trainable] == [(r, d), (d, r)], [q.shape for q in trainable]
    assert not layer.base_layer.weight.requires_grad and not layer.base_layer.bias.requires_grad
    dropout = layer.lora_dropout["default"]
    assert isinstance(dropout, nn.Dropout) and dropout.training if p > 0 else isinstance(dropout, nn.Identity)
    x = torch.randn(tokens, d).to(device).requires_grad_(True)
    dy = torch.randn(tokens, d).to(device)
    return model, layer, trainable, x, dy


def step(model, trainable, x, dy):
    y = model(x)
    y.backward(dy)
    x.grad = None
    for q in trainable:
        q.grad = None


def saved_tensor_bytes(model, trainable, x, dy):
    """Distinct storages autograd saves in one forward, split into x/parameters and the rest."""
    alive = {x.untyped_storage().data_ptr()} | {q.untyped_storage().data_ptr() for q in model.parameters()}
    seen = {}

    def pack(t):
        s = t.untyped_storage()
        seen[s.data_ptr()] = s.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y = model(x)
    y.backward(dy)
    x.grad = None
    for q in trainable:
        q.grad = None
    extra = {k: v for k, v in seen.items() if k not in alive}
    return {
        "saved_bytes": sum(seen.values()),
        "saved_extra_bytes": sum(extra.values()),
        "saved_extra_tensors": len(extra),
    }


def time_rounds(fn, repeat, round_ms, warmup_ms):
    """Per-call wall and thread-CPU averages (ms) of `repeat` rounds of about round_ms, after a warm-up."""
    calls, spent = 0, 0.0
    while calls < 2 or spent < warmup_ms / 1000.0:  # the first calls fill the allocator's caches
        t0 = time.perf_counter()
        fn()
        spent += time.perf_counter() - t0
        calls += 1
    number = max(1, round(round_ms / 1000.0 / (spent / calls)))
    wall, cpu = [], []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # as timeit; refcounting still frees every step's tensors at once
    try:
        for _ in range(repeat):
            c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
            for _ in range(number):
                fn()
            t1, c1 = time.perf_counter_ns(), time.thread_time_ns()
            wall.append((t1 - t0) / number / 1e6)
            cpu.append((c1 - c0) / number / 1e6)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {"median_ms": statistics.median(wall), "min_ms": min(wall), "max_ms": max(wall), "rounds_ms": wall,
            "median_cpu_ms": statistics.median(cpu), "rounds_cpu_ms": cpu, "repeat": repeat, "number": number}


def cuda_peak_extra_bytes(model, trainable, x, dy):
    """Peak bytes allocated on the GPU during one forward+backward, above what was allocated before."""
    torch.cuda.synchronize()
    before = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    step(model, trainable, x, dy)
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - before


def grad_fn_nodes(y):
    """Autograd nodes reachable from y (AccumulateGrad included)."""
    seen, todo = set(), [y.grad_fn]
    while todo:
        fn = todo.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        todo.extend(f for f, _ in fn.next_functions)
    return len(seen)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", action="append", metavar="D,TOKENS,R,P",
                        help="a configuration; repeatable (default: " + " ".join(DEFAULT_CONFIGS) + ")")
    parser.add_argument("--device", default="auto",
                        help="cpu, cuda or cuda:N (default auto: cuda where torch sees a GPU, else cpu)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("THREADS", 1)),
                        help="torch intra-op threads (default 1, env THREADS)")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("PY_REPEAT", 5)),
                        help="rounds per workload (default 5, env PY_REPEAT)")
    parser.add_argument("--round-ms", type=float, default=float(os.environ.get("PY_ROUND_MS", 2000)),
                        help="target length of one round in ms (default 2000, env PY_ROUND_MS)")
    parser.add_argument("--warmup-ms", type=float, default=float(os.environ.get("PY_WARMUP_MS", 4000)),
                        help="warm-up per workload in ms, at least 2 calls (default 4000, env PY_WARMUP_MS)")
    parser.add_argument("--json", default="-", help="where to write the JSON results ('-' for stdout)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    device = torch.device(args.device if args.device != "auto" else "cuda" if torch.cuda.is_available() else "cpu")
    on_gpu = device.type == "cuda"
    configs = args.config or (FULL_GRID if on_gpu else DEFAULT_CONFIGS)
    if configs == ["full"]:
        configs = FULL_GRID
    results = []
    for spec in configs:
        d, tokens, r, p = spec.split(",")
        d, tokens, r, p = int(d), int(tokens), int(r), float(p)
        model, layer, trainable, x, dy = build(d, tokens, r, p, device)
        mem = saved_tensor_bytes(model, trainable, x, dy)
        if on_gpu:
            mem["cuda_peak_extra_bytes"] = cuda_peak_extra_bytes(model, trainable, x, dy)
        nodes = grad_fn_nodes(model(x))
        row = {"d": d, "tokens": tokens, "r": r, "p": p, **mem, "autograd_nodes": nodes,
               "lora4j_extra_bytes_by_design": tokens * r * 4, "workloads": {}}
        sync = torch.cuda.synchronize if on_gpu else (lambda: None)

        def forward():
            model(x)
            sync()

        def forward_backward():
            step(model, trainable, x, dy)
            sync()

        workloads = (("forward", forward), ("forward_backward", forward_backward))
        for name, fn in workloads:
            m = time_rounds(fn, args.repeat, args.round_ms, args.warmup_ms)
            row["workloads"][name] = m
            print(f"d={d} tokens={tokens} r={r} p={p:g} {name:<16} median {m['median_ms']:8.2f} ms"
                  f"  min {m['min_ms']:8.2f} ms  CPU {m['median_cpu_ms']:8.2f} ms"
                  f"  ({m['repeat']} rounds x {m['number']} calls)", file=sys.stderr)
        print(f"d={d} tokens={tokens} r={r} p={p:g} saved for backward: {mem['saved_bytes'] / 2**20:.1f} MiB, "
              f"of which extra {mem['saved_extra_bytes'] / 2**20:.2f} MiB in {mem['saved_extra_tensors']} tensors "
              f"(lora4j by design {tokens * r * 4 / 2**20:.2f} MiB); {nodes} autograd nodes", file=sys.stderr)
        results.append(row)
        del model, layer, trainable, x, dy, workloads, forward, forward_backward

    doc = {
        "benchmark": "lora_linear",
        "unit": "ms/op",
        "meta": {
            "torch": torch.__version__,
            "peft": peft.__version__,
            "python": platform.python_version(),
            "torch_threads": torch.get_num_threads(),
            "device": str(device) + (f" ({torch.cuda.get_device_name(device)})" if on_gpu else ""),
            "dtype": "float32",
            "lora_alpha": LORA_ALPHA,
            "cpu": cpu_model(),
            "cpus": os.cpu_count(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
        "results": results,
    }
    text = json.dumps(doc, indent=2)
    if args.json == "-":
        print(text)
    else:
        with open(args.json, "w") as f:
            f.write(text + "\n")
        print(f"wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
