#!/usr/bin/env python3
"""The op-overhead workloads of OpOverheadBenchmark (issue 2) in PyTorch eager, for comparison.

Workloads (float32, CPU, torch.set_num_threads(1), grad mode on as in lora4j; no tensor requires grad):

  py_call     a call of a trivial Python function: the interpreter's floor, next to the FFM floor
  numel       a1.numel(): a shape query
  add_1       a1 + b1 on 1-element tensors; the result is freed at once (refcount drops to zero), so
              this is op + free, like Tensor.add + close in lora4j
  add_64x64   a64 + b64 on 64x64 tensors

Timing: timeit with gc disabled (its default; refcounting still frees every result). Each workload is
measured in --repeat rounds of `number` calls, with `number` sized so a round lasts about --round-ms; a
round gives one per-call average. We report both the median and the minimum over rounds, in ns per call:

  median  the headline: comparable to JMH's score (the mean of per-iteration averages), and robust to
          the odd round disturbed by another process on a shared machine
  min     the best round: the least-disturbed estimate (timeit's own advice), a lower bound

Prints one human line per workload and writes JSON (to --json, or stdout with --json -).
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
import timeit

import torch


def trivial():
    return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def measure(stmt, env, repeat, round_ms):
    timer = timeit.Timer(stmt, globals=env)
    # Warm up (first calls allocate caches in the dispatcher and allocator), then size a round.
    number, _ = timer.autorange()
    per_call = timer.timeit(number) / number
    number = max(1, int(round_ms / 1000.0 / max(per_call, 1e-9)))
    rounds = [t / number * 1e9 for t in timer.repeat(repeat=repeat, number=number)]
    return {
        "stmt": stmt,
        "median_ns": statistics.median(rounds),
        "min_ns": min(rounds),
        "max_ns": max(rounds),
        "repeat": repeat,
        "number": number,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("PY_REPEAT", 30)),
                        help="rounds per workload (default 30, env PY_REPEAT)")
    parser.add_argument("--round-ms", type=float, default=float(os.environ.get("PY_ROUND_MS", 100)),
                        help="target length of one round in ms (default 100, env PY_ROUND_MS)")
    parser.add_argument("--json", default="-", help="where to write the JSON results ('-' for stdout)")
    args = parser.parse_args()

    torch.set_num_threads(1)
    a1 = torch.tensor([1.5], dtype=torch.float32)
    b1 = torch.tensor([2.25], dtype=torch.float32)
    a64 = torch.arange(64 * 64, dtype=torch.float32).reshape(64, 64) * 0.001
    b64 = 1.0 - torch.arange(64 * 64, dtype=torch.float32).reshape(64, 64) * 0.0005
    assert (a1 + b1).item() == 3.75
    assert (a64 + b64).shape == (64, 64)
    env = {"trivial": trivial, "a1": a1, "b1": b1, "a64": a64, "b64": b64}

    workloads = {
        "py_call": "trivial()",
        "numel": "a1.numel()",
        "add_1": "a1 + b1",
        "add_64x64": "a64 + b64",
    }
    results = {}
    for name, stmt in workloads.items():
        r = measure(stmt, env, args.repeat, args.round_ms)
        results[name] = r
        print(f"{name:<10} {stmt:<12} median {r['median_ns']:10.1f} ns  min {r['min_ns']:10.1f} ns"
              f"  ({r['median_ns'] / 1000:.3f} us/op; {r['repeat']} rounds x {r['number']} calls)",
              file=sys.stderr)

    doc = {
        "benchmark": "op_overhead",
        "unit": "ns/op",
        "meta": {
            "torch": torch.__version__,
            "python": platform.python_version(),
            "torch_threads": torch.get_num_threads(),
            "grad_enabled": torch.is_grad_enabled(),
            "cpu": cpu_model(),
            "cpus": os.cpu_count(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
        "workloads": results,
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
