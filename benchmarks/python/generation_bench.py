#!/usr/bin/env python3
"""GenerationBenchmark's workload with transformers + PEFT (issue 7).

FLAN-T5 of --shape (random weights, float32, its own lm_head), get_peft_model with LoraConfig(r=8,
lora_alpha=8, target_modules=["q", "v"]) (unmerged, as a PEFT model generates), model.eval(), then
model.generate(input_ids, attention_mask, max_new_tokens=N, min_new_tokens=N, num_beams=k,
do_sample=False) on the generation batch of the --batches file (the first DialogSum test dialogues in
the default prompt, padded to the longest). min_new_tokens = max_new_tokens forbids EOS until N tokens,
so every call returns exactly batch x N new tokens whatever the random weights predict, as on the Java
side; each call checks it. --warmup calls, then --calls timed ones.

Writes JSON (--json, or stdout with -): per call wall and process-CPU time and tokens; peak RSS (VmHWM).
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as common  # noqa: E402

DEFAULT_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batches", required=True, help="batch file written by dev.lora4j.benchmarks.DialogSumBatches")
    p.add_argument("--data", default=DEFAULT_DATA)
    p.add_argument("--shape", default="small", choices=["small", "base", "large", "xl"])
    p.add_argument("--num-beams", type=int, default=1)
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--calls", type=int, default=4)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--no-verify", action="store_true")
    p.add_argument("--json", default="-")
    args = p.parse_args()
    args.data = os.path.abspath(args.data)

    from peft import LoraConfig, get_peft_model

    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    plan = common.load_plan(args.batches)
    verified = 0 if args.no_verify else common.verify_tokenization(plan, args.data, 0)
    ids, mask = common.generation_batch(plan)
    source_tokens = int(mask.sum())
    ids, mask = ids.to(device), mask.to(device)

    torch.manual_seed(0)
    model = get_peft_model(common.flan_t5_random(args.data, args.shape),
                           LoraConfig(r=8, lora_alpha=8, target_modules=["q", "v"], task_type="SEQ_2_SEQ_LM"))
    common.require_untied(model)
    model.to(device)
    model.eval()
    rss_after_setup = common.rss_bytes("VmRSS")
    n = args.max_new_tokens

    calls = []
    for i in range(args.warmup + args.calls):
        entry = {"call": i, "warmup": i < args.warmup}
        clock = common.Clock(entry, device)
        out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=n, min_new_tokens=n,
                             num_beams=args.num_beams, do_sample=False)
        clock.phase("generate")
        clock.finish()
        if tuple(out.shape) != (ids.shape[0], n + 1):
            raise SystemExit(f"generate returned {tuple(out.shape)}, expected {(ids.shape[0], n + 1)}")
        entry["tokens"] = ids.shape[0] * n
        calls.append(entry)
        print(f"call {i}{' (warm-up)' if entry['warmup'] else ''}: {entry['wall_ns'] / 1e9:.2f} s, "
              f"CPU {entry['cpu_ns'] / 1e9:.2f} s", file=sys.stderr)
    doc = {
        "benchmark": "generation",
        "params": {"shape": args.shape, "batch": int(ids.shape[0]), "num_beams": args.num_beams, "max_new_tokens": n,
                   "max_source_length": plan["max_source_length"], "threads": args.threads, "device": args.device},
        "source_tokens": source_tokens,
        "source_length": int(ids.shape[1]),
        "rows_verified_with_transformers_tokenizer": verified,
        "rss_after_setup_bytes": rss_after_setup,
        "peak_rss_bytes": common.rss_bytes("VmHWM"),
        "calls": calls,
        "meta": common.meta(device, args.threads),
    }
    if device.type == "cuda":
        doc["cuda_max_memory_allocated_bytes"] = torch.cuda.max_memory_allocated(device)
    common.write_json(doc, args.json)


if __name__ == "__main__":
    main()
