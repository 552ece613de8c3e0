#!/usr/bin/env python3
"""MethodTrainingStepBenchmark's workload with each method's reference library (issues 16 and 17).

One training step of FLAN-T5 of --shape (random weights, float32, the config's dropout 0.1 active unless
--model-dropout) under --method, built with the library lora4j's method reproduces, from lora4j's default
options for that method (`lora4j train --method NAME` with no other option), so both sides train the
same adapter:

  PEFT 0.21.2 (this venv)        lora, dora, ia3, ln-tuning, bitfit, prompt-tuning, p-tuning, prefix-tuning
  AdapterHub adapters 1.3.0      adapter-houlsby, adapter-pfeiffer, prefix-tuning-paper
    (run with the AdapterHub venv's python, which borrows torch from the main venv)
  PEFT + bitsandbytes 0.50       qlora: lora's defaults over a 4-bit base (NF4, blocks of 64, double
                                 quantization, float32 compute; wo and lm_head kept), built as a user does:
                                 the random model saved, reloaded with a BitsAndBytesConfig, then
                                 prepare_model_for_kbit_training (no gradient checkpointing) and get_peft_model
  none                           adamix (lora4j's number stands alone)

The step is lora_train_bench.py's: forward with labels and loss.item() ("forward"), backward
("backward"), clip at 1.0, AdamW (lr 1e-3, weight decay 0.01) step, zero grad ("optimizer"); step i on
batch i of the --batches file, --warmup steps then --steps measured ones. Writes JSON (--json, or stdout
with -): per-step tokens and phase times, peak RSS (VmHWM) of the process and of the measured steps alone
(step_peak_rss_bytes: VmHWM reset after setup, as the Java side does), trainable and total parameter counts
(the report requires the trainable count to equal lora4j's, the check that both sides built the same adapter).
"""
import argparse
import gc
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as common  # noqa: E402

DEFAULT_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../shared/data")
LEARNING_RATE = 1e-3
MAX_GRAD_NORM = 1.0
TASK = "SEQ_2_SEQ_LM"

# lora4j's defaults (LoraMethod.options(): r 8, alpha 8, dropout 0, q and v); dora is its preset with use_dora.
LORA_DEFAULTS = {"r": 8, "lora_alpha": 8, "lora_dropout": 0.0, "target_modules": ["q", "v"]}
# lora4j's num_virtual_tokens default for the three prompt-learning methods.
VIRTUAL_TOKENS = 20


def peft_config(method, t5):
    """The PEFT config of lora4j's default options for method, on a model of T5Config t5."""
    import peft

    if method == "lora":
        return peft.LoraConfig(task_type=TASK, **LORA_DEFAULTS)
    if method == "dora":
        return peft.LoraConfig(task_type=TASK, use_dora=True, **LORA_DEFAULTS)
    if method == "ia3":  # PEFT's T5 defaults are lora4j's: k, v, wo; wo feed-forward
        return peft.IA3Config(task_type=TASK)
    if method == "ln-tuning":
        return peft.LNTuningConfig(task_type=TASK, target_modules=["layer_norm", "final_layer_norm"])
    if method == "bitfit":  # lora4j's default also names wi, which FLAN-T5's gated FFN does not have
        return peft.BeftConfig(task_type=TASK, target_modules=["q", "k", "v", "o", "wi_0", "wi_1", "wo"])
    if method == "prompt-tuning":
        # lora4j's default is one table row per virtual token; PEFT's seq2seq default (2) adds rows it never reads.
        return peft.PromptTuningConfig(task_type=TASK, num_virtual_tokens=VIRTUAL_TOKENS, num_transformer_submodules=1)
    if method == "p-tuning":  # MLP encoder, hidden = d_model, PEFT's two submodules: lora4j's defaults
        return peft.PromptEncoderConfig(task_type=TASK, num_virtual_tokens=VIRTUAL_TOKENS)
    if method == "prefix-tuning":  # no projection, two submodules: lora4j's defaults
        # token_dim = the attention's width (heads x d_kv = 384), as lora4j sizes the table: PEFT's default
        # (d_model, 512) does not divide into FLAN-T5-small's 6 heads and its forward fails (issue 385).
        return peft.PrefixTuningConfig(task_type=TASK, num_virtual_tokens=VIRTUAL_TOKENS, token_dim=t5.num_heads * t5.d_kv)
    raise KeyError(method)


def adapterhub_config(method):
    """The AdapterHub config of lora4j's preset (or default) fields for method."""
    import adapters

    return {"adapter-houlsby": adapters.DoubleSeqBnConfig, "adapter-pfeiffer": adapters.SeqBnConfig,
            "prefix-tuning-paper": adapters.PrefixTuningConfig}[method]()


# method -> the library the reference side runs (None: no reference). bench_report.py reads this to pick the
# python to run, so keep it free of imports.
REFERENCE = {"lora": "peft", "dora": "peft", "ia3": "peft", "ln-tuning": "peft", "bitfit": "peft",
             "prompt-tuning": "peft", "p-tuning": "peft", "prefix-tuning": "peft",
             "prefix-tuning-paper": "adapters", "adapter-houlsby": "adapters", "adapter-pfeiffer": "adapters",
             "adamix": None, "qlora": "bitsandbytes"}


def quantized_base(base):
    """base reloaded as transformers loads a 4-bit QLoRA base, and what the quantization stored."""
    import bitsandbytes as bnb
    from transformers import BitsAndBytesConfig, T5ForConditionalGeneration

    bnb_config = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                                    bnb_4bit_compute_dtype=torch.float32)
    with tempfile.TemporaryDirectory(prefix="qlora-bench-") as folder:
        base.save_pretrained(folder)
        del base
        gc.collect()
        model = T5ForConditionalGeneration.from_pretrained(folder, quantization_config=bnb_config, dtype=torch.float32,
                                                           device_map="cpu")
    quantized_bytes = float32_bytes = layers = 0
    for module in model.modules():
        if isinstance(module, bnb.nn.Linear4bit):
            state = module.weight.quant_state
            layers += 1
            float32_bytes += module.in_features * module.out_features * 4
            quantized_bytes += module.weight.numel() * module.weight.element_size() + tensor_bytes(state.absmax)
            if state.nested:
                quantized_bytes += tensor_bytes(state.state2.absmax) + tensor_bytes(state.state2.code) + 4  # + offset
            quantized_bytes += tensor_bytes(state.code)
    summary = {"type": "nf4", "blocksize": 64, "double_quant": True, "compute_dtype": "float32", "layers": layers,
               "weight_bytes": quantized_bytes, "float32_weight_bytes": float32_bytes,
               "weight_ratio": quantized_bytes / float32_bytes}
    return model, summary


def tensor_bytes(t):
    return t.numel() * t.element_size()


def build(args, device):
    """(model to call, trainable tensors, optimizer, the config as a dict, the library's version)."""
    torch.manual_seed(0)
    base = common.flan_t5_random(args.data, args.shape, args.model_dropout)
    library = REFERENCE[args.method]
    quantization = None
    if library == "bitsandbytes":
        import bitsandbytes
        import peft

        base, quantization = quantized_base(base)
        base = peft.prepare_model_for_kbit_training(base, use_gradient_checkpointing=False)
        config = peft.LoraConfig(task_type=TASK, **LORA_DEFAULTS)
        model = peft.get_peft_model(base, config)
        common.require_untied(model)
        described, version = config.to_dict(), f"peft {peft.__version__} + bitsandbytes {bitsandbytes.__version__}"
    elif library == "peft":
        import peft

        config = peft_config(args.method, base.config)
        model = peft.get_peft_model(base, config)
        common.require_untied(model)
        described, version = config.to_dict(), "peft " + peft.__version__
    elif library == "adapters":
        import adapters

        adapters.init(base)
        config = adapterhub_config(args.method)
        base.add_adapter("default", config=config)
        base.train_adapter("default")  # freezes the rest, activates the adapter
        import transformers

        model, described = base, config.to_dict()
        version = f"adapters {adapters.__version__} (transformers {transformers.__version__})"
    else:
        raise SystemExit(f"{args.method} has no reference implementation")
    model.to(device)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    return model, trainable, optimizer, {k: jsonable(v) for k, v in described.items()}, version, quantization


def jsonable(value):
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, (str, int, float, bool, type(None), list, dict)):
        return value
    return str(value)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--method", required=True, choices=sorted(m for m, lib in REFERENCE.items() if lib))
    p.add_argument("--batches", required=True, help="batch file written by dev.lora4j.benchmarks.DialogSumBatches")
    p.add_argument("--data", default=DEFAULT_DATA, help="the shared data folder (configs, DialogSum)")
    p.add_argument("--shape", default="small", choices=["small", "base", "large"])
    p.add_argument("--model-dropout", type=float, default=None, help="the model's dropout (default: the config's 0.1)")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--no-verify", action="store_true",
                   help="skip re-tokenizing with transformers' tokenizer (the AdapterHub venv's transformers 4 is not "
                        "the tokenizer lora4j matches; the PEFT runs check the same file)")
    p.add_argument("--json", default="-")
    args = p.parse_args()
    args.data = os.path.abspath(args.data)

    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    plan = common.load_plan(args.batches)
    needed = args.warmup + args.steps
    if needed > len(plan["training"]):
        raise SystemExit(f"{needed} steps need more batches than the {len(plan['training'])} of {args.batches}")
    verified = 0 if args.no_verify else common.verify_tokenization(plan, args.data, needed)
    batches = [common.device_batch(plan, i, device) for i in range(needed)]
    model, trainable, optimizer, config, version, quantization = build(args, device)
    gc.collect()
    rss_after_setup = common.rss_bytes("VmRSS")
    setup_peak = common.rss_bytes("VmHWM")
    step_peak_reset = reset_peak_rss()

    steps = []
    for i, (ids, mask, labels, n, digest) in enumerate(batches):
        entry = {"step": i, "warmup": i < args.warmup, "tokens": n, "id_sum": digest, "batch": ids.shape[0],
                 "source_length": ids.shape[1], "target_length": labels.shape[1]}
        clock = common.Clock(entry, device)
        out = model(input_ids=ids, attention_mask=mask, labels=labels)
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
        if loss != loss or loss in (float("inf"), float("-inf")):
            raise SystemExit(f"loss is {loss} at step {i}")
        entry.update(loss=loss, grad_norm=float(norm))
        steps.append(entry)
        print(f"{args.method} step {i}{' (warm-up)' if entry['warmup'] else ''}: {n} tokens, {entry['wall_ns'] / 1e9:.2f} s, "
              f"loss {loss:.3f}", file=sys.stderr)
    doc = {
        "benchmark": "method_train_step",
        "method": args.method,
        "reference": version,
        "reference_config": config,
        "params": {"method": args.method, "shape": args.shape, "warmup_steps": args.warmup, "measured_steps": args.steps,
                   "threads": args.threads, "device": args.device, "batch_size": plan["batch_size"],
                   "model_dropout": base_config(model).dropout_rate},
        "trainable_parameters": sum(t.numel() for t in trainable),
        "total_parameters": sum(t.numel() for t in model.parameters()),
        "rows_verified_with_transformers_tokenizer": verified,
        "rss_after_setup_bytes": rss_after_setup,
        "setup_peak_rss_bytes": setup_peak,
        "step_peak_reset": step_peak_reset,
        "step_peak_rss_bytes": common.rss_bytes("VmHWM"),
        "peak_rss_bytes": max(setup_peak, common.rss_bytes("VmHWM")),
        "steps": steps,
        "meta": common.meta(device, args.threads),
    }
    if quantization:
        doc["quantization"] = quantization
    if device.type == "cuda":
        doc["cuda_max_memory_allocated_bytes"] = torch.cuda.max_memory_allocated(device)
    common.write_json(doc, args.json)


def reset_peak_rss():
    """Starts VmHWM again from VmRSS (Linux clear_refs "5"), as the Java side does; False where not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def base_config(model):
    return model.get_base_model().config if hasattr(model, "get_base_model") else model.config


if __name__ == "__main__":
    main()
