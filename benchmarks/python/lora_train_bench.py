#!/usr/bin/env python3
"""LoraTrainingStepBenchmark's workload with transformers + PEFT, as a PEFT user trains (issue 7).

FLAN-T5 of --shape (shared/data/flan-t5-configs, random weights, float32), get_peft_model with
LoraConfig(r, lora_alpha, lora_dropout, target_modules=["q", "v"], task_type="SEQ_2_SEQ_LM"), model.train()
(the config's dropout 0.1 active), torch.optim.AdamW(trainable, lr=1e-3, weight_decay=0.01) with its
default implementation choice (foreach where supported: not on the CPU). One step:

    out = model(input_ids=..., attention_mask=..., labels=...); out.loss.item()       # "forward"
    out.loss.backward()                                                               # "backward"
    clip_grad_norm_(trainable, 1.0); optimizer.step(); optimizer.zero_grad()          # "optimizer"

Step i trains on batch i of the --batches file (dev.lora4j.benchmarks.DialogSumBatches: real DialogSum
batches as lora4j's trainer builds them, checked here against transformers' tokenizer); --warmup steps,
then --steps measured ones, exactly as the JMH benchmark with the same warm-up count. --compile runs the
same with torch.compile(model) (inductor) as a second anchor; the warm-up steps then include compiling.
--profile-steps N profiles N more steps with torch.profiler after the measured ones (ops by self CPU
time, and how much of the step's wall time they cover).

Per step: tokens (real source + label tokens), wall and process-CPU time per phase. Also the process's
peak RSS (VmHWM) and RSS after set-up. Writes JSON (--json, or stdout with -).
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as common  # noqa: E402

DEFAULT_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data")
LEARNING_RATE = 1e-3
MAX_GRAD_NORM = 1.0


def build(args, device):
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    base = common.flan_t5_random(args.data, args.shape, args.model_dropout)
    # bfloat16: the base weights in bfloat16 (as from_pretrained(torch_dtype=torch.bfloat16) loads them);
    # PEFT keeps the LoRA weights, so AdamW's state, in float32 (autocast_adapter_dtype), which is how
    # lora4j trains with --dtype bfloat16.
    base.to(getattr(torch, args.dtype))
    model = get_peft_model(base, LoraConfig(r=args.r, lora_alpha=args.alpha, lora_dropout=args.dropout,
                                            target_modules=["q", "v"], task_type="SEQ_2_SEQ_LM"))
    common.require_untied(model)
    model.to(device)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    return model, trainable, optimizer


def profile(step_fn, batches, first):
    """Ops of len(batches) steps by self CPU time, and the share of wall time they account for."""
    from torch.profiler import ProfilerActivity, profile as torch_profile

    start = time.perf_counter_ns()
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        for i, batch in enumerate(batches):
            step_fn(first + i, batch, {})
    wall = time.perf_counter_ns() - start
    events = prof.key_averages()
    # Self times of top-level ops sum to the time spent inside ATen; the rest is Python and the profiler.
    total_self_us = sum(e.self_cpu_time_total for e in events)
    rows = sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)
    return {
        "steps": len(batches),
        "wall_ns": wall,
        "ops_self_cpu_ns": int(total_self_us * 1000),
        "op_calls": sum(e.count for e in events),
        "top_ops": [{"name": e.key, "calls": e.count, "self_cpu_ns": int(e.self_cpu_time_total * 1000)}
                    for e in rows[:30]],
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batches", required=True, help="batch file written by dev.lora4j.benchmarks.DialogSumBatches")
    p.add_argument("--data", default=DEFAULT_DATA, help="the shared data folder (configs, DialogSum)")
    p.add_argument("--shape", default="small", choices=["small", "base", "large", "xl"])
    p.add_argument("--r", type=int, default=8)
    p.add_argument("--alpha", type=float, default=8.0)
    p.add_argument("--dropout", type=float, default=0.05)
    p.add_argument("--model-dropout", type=float, default=None,
                   help="the model's dropout rate (default: the config's 0.1); for ablations")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"],
                   help="the base model's weights (LoRA weights stay float32)")
    p.add_argument("--autocast", action="store_true",
                   help="float32 weights, forward under torch.autocast(bfloat16): the mixed precision of "
                        "transformers' Trainer with bf16=True")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--compile", action="store_true", help="torch.compile(model) (inductor)")
    p.add_argument("--profile-steps", type=int, default=0)
    p.add_argument("--extra-warmup", type=int, default=0,
                   help="warm-up steps before the usual ones, on the file's last batches (for --compile: compiling "
                        "happens there, and the measured steps stay those of an eager run with the same --warmup)")
    p.add_argument("--no-verify", action="store_true", help="skip re-tokenizing with transformers' tokenizer")
    p.add_argument("--json", default="-")
    args = p.parse_args()
    args.data = os.path.abspath(args.data)

    if args.autocast and args.dtype != "float32":
        raise SystemExit("--autocast keeps float32 weights; it does not combine with --dtype " + args.dtype)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    plan = common.load_plan(args.batches)
    needed = args.warmup + args.steps + args.profile_steps
    available = len(plan["training"]) - args.extra_warmup
    if needed > available:
        raise SystemExit(f"{needed} steps (+ {args.extra_warmup} extra warm-up) need more batches than the "
                         f"{len(plan['training'])} of {args.batches}")
    verified = 0 if args.no_verify else common.verify_tokenization(plan, args.data, needed)

    batches = [common.device_batch(plan, i, device) for i in range(needed)]
    extra = [(i, common.device_batch(plan, i, device))
             for i in range(len(plan["training"]) - args.extra_warmup, len(plan["training"]))]

    model, trainable, optimizer = build(args, device)
    # Default options, as users compile: dynamo compiles the first batch's shapes statically and, at the
    # second batch's other lengths, recompiles with dynamic shapes; later batches reuse that graph. (On
    # this 2-core machine dynamic=True from the start compiled slower still.)
    forward = torch.compile(model) if args.compile else model
    rss_after_setup = common.rss_bytes("VmRSS")

    def step(index, batch, entry):
        ids, mask, labels = batch[:3]
        clock = common.Clock(entry, device)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=args.autocast):
            out = forward(input_ids=ids, attention_mask=mask, labels=labels)
        loss = out.loss.item()
        clock.phase("forward")
        out.loss.backward()
        del out
        clock.phase("backward")
        norm = torch.nn.utils.clip_grad_norm_(trainable, MAX_GRAD_NORM)
        optimizer.step()
        optimizer.zero_grad()
        clock.phase("optimizer")
        clock.finish()
        entry["loss"] = loss
        entry["grad_norm"] = float(norm)
        if loss != loss or loss in (float("inf"), float("-inf")):
            raise SystemExit(f"loss is {loss} at step {index}")

    steps = []
    schedule = [(i, batch, True) for i, batch in extra]
    schedule += [(i, batches[i], i < args.warmup) for i in range(args.warmup + args.steps)]
    for i, batch, warmup in schedule:
        ids, mask, labels, n, digest = batch
        entry = {"step": i, "warmup": warmup, "tokens": n, "id_sum": digest, "batch": ids.shape[0],
                 "source_length": ids.shape[1], "target_length": labels.shape[1]}
        step(i, batch, entry)
        steps.append(entry)
        print(f"step {i}{' (warm-up)' if entry['warmup'] else ''}: {n} tokens, {entry['wall_ns'] / 1e9:.2f} s "
              f"(forward {entry['forward_ns'] / 1e9:.2f}, backward {entry['backward_ns'] / 1e9:.2f}, "
              f"optimizer {entry['optimizer_ns'] / 1e9:.3f}), CPU {entry['cpu_ns'] / 1e9:.2f} s, loss {entry['loss']:.3f}",
              file=sys.stderr)
    peak = common.rss_bytes("VmHWM")  # before profiling, which keeps its own records
    doc = {
        "benchmark": "lora_train_step",
        "mode": "torch.compile" if args.compile else "eager",
        "params": {"shape": args.shape, "r": args.r, "lora_alpha": args.alpha, "lora_dropout": args.dropout,
                   "model_dropout": model.get_base_model().config.dropout_rate, "warmup_steps": args.warmup, "extra_warmup_steps": args.extra_warmup,
                   "measured_steps": args.steps, "threads": args.threads, "device": args.device, "dtype": args.dtype, "autocast": args.autocast, "batch_size": plan["batch_size"],
                   "max_source_length": plan["max_source_length"], "max_target_length": plan["max_target_length"]},
        "trainable_parameters": sum(t.numel() for t in trainable),
        "total_parameters": sum(t.numel() for t in model.parameters()),
        "attn_implementation": model.base_model.model.config._attn_implementation,
        "optimizer": {"class": type(optimizer).__name__, "foreach": optimizer.defaults.get("foreach"),
                      "fused": optimizer.defaults.get("fused")},
        "rows_verified_with_transformers_tokenizer": verified,
        "rss_after_setup_bytes": rss_after_setup,
        "peak_rss_bytes": peak,
        "steps": steps,
        "meta": common.meta(device, args.threads),
    }
    if device.type == "cuda":
        doc["cuda_max_memory_allocated_bytes"] = torch.cuda.max_memory_allocated(device)
    if args.profile_steps:
        first = args.warmup + args.steps
        doc["profile"] = profile(step, batches[first:first + args.profile_steps], first)
    common.write_json(doc, args.json)


if __name__ == "__main__":
    main()
