"""Reference outputs for the T5 parity tests, from transformers 5.17 on a random model.

Usage: t5_reference.py OUT_DIR CASES_JSON

CASES_JSON maps a case name to its spec; each case is written to OUT_DIR/<name>. Spec fields:
  config       T5Config keyword arguments (or "config_file": a config.json to start from, plus "overrides")
  seed         torch.manual_seed for the model and the inputs
  untie        give the model its own lm_head.weight (T5 v1.1 / FLAN-T5 layout); transformers 5 ties a
               freshly built model's head to shared.weight whatever tie_word_embeddings says
  eos_scale    multiplies the EOS row of the output embedding, so tiny models finish some sequences early
  batch        {"lengths": [...], "target_lengths": [...], "source_len": S, "target_len": T}
  grads        also write the gradient of every parameter after loss.backward()
  half         also write logits.bfloat16 / logits.float16: the saved model loaded by from_pretrained in
               that dtype (which keeps the FFN's wo in float32 under float16) and run on the same batch
  generation   list of generate() keyword dicts (max_new_tokens, num_beams, ...)

Writes <case>/model (save_pretrained, safetensors) and <case>/reference.safetensors with input_ids,
attention_mask, labels, logits, loss, encoder_hidden, grad.<parameter name>, and gen.<i> (the token ids
generate() returned, int64). Prints a JSON summary.

Near-ties: a random model can put two tokens within float32 noise of each other, and then a correct
implementation may pick either. Every generation is therefore repeated with the model in float64; if the
float64 tokens differ from the float32 tokens, the case is too close to call and this script fails, so
the test's seed must change (the test never compares a case whose outcome depends on rounding).
"""
import copy
import json
import os
import sys

import torch
from safetensors.torch import save_file
from transformers import T5Config, T5ForConditionalGeneration


def build_model(spec):
    if "config_file" in spec:
        with open(spec["config_file"]) as f:
            kwargs = json.load(f)
        for k in ("architectures", "transformers_version", "torch_dtype", "dtype", "model_type"):
            kwargs.pop(k, None)
        kwargs.update(spec.get("overrides", {}))
    else:
        kwargs = dict(spec["config"])
    config = T5Config(**kwargs)
    torch.manual_seed(spec["seed"])
    model = T5ForConditionalGeneration(config)
    with torch.no_grad():
        if spec.get("untie"):
            head = torch.randn(config.vocab_size, config.d_model) * config.initializer_factor
            model.lm_head.weight = torch.nn.Parameter(head)
        scale = spec.get("eos_scale", 1.0)
        if scale != 1.0:
            out = model.lm_head.weight if spec.get("untie") else model.shared.weight
            out[config.eos_token_id] *= scale
    return model.eval()


def make_batch(spec, config, generator):
    b = spec["batch"]
    lengths, target_lengths = b["lengths"], b["target_lengths"]
    S, T = b["source_len"], b["target_len"]
    B = len(lengths)
    low = 2  # keep pad (0) and EOS (1) out of the random body
    input_ids = torch.randint(low, config.vocab_size, (B, S), generator=generator)
    attention_mask = torch.zeros(B, S, dtype=torch.int64)
    labels = torch.randint(low, config.vocab_size, (B, T), generator=generator)
    for i in range(B):
        n = lengths[i]
        input_ids[i, n - 1] = config.eos_token_id
        input_ids[i, n:] = config.pad_token_id
        attention_mask[i, :n] = 1
        m = target_lengths[i]
        labels[i, m - 1] = config.eos_token_id
        labels[i, m:] = -100
    return input_ids, attention_mask, labels


def run_case(out_dir, spec):
    os.makedirs(out_dir, exist_ok=True)
    model = build_model(spec)
    model_dir = os.path.join(out_dir, "model")
    model.save_pretrained(model_dir)
    config = model.config
    generator = torch.Generator().manual_seed(spec["seed"] + 1)
    input_ids, attention_mask, labels = make_batch(spec, config, generator)

    tensors = {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}
    out = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
    tensors["logits"] = out.logits.detach().contiguous()
    tensors["loss"] = out.loss.detach().reshape(())
    tensors["encoder_hidden"] = out.encoder_last_hidden_state.detach().contiguous()
    if spec.get("grads"):
        out.loss.backward()
        for name, p in model.named_parameters():
            tensors["grad." + name] = p.grad.detach().contiguous()
        model.zero_grad(set_to_none=True)

    if spec.get("half"):
        for dtype, label in ((torch.bfloat16, "bfloat16"), (torch.float16, "float16")):
            half = T5ForConditionalGeneration.from_pretrained(model_dir, dtype=dtype).eval()
            with torch.no_grad():
                half_out = half(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
            tensors["logits." + label] = half_out.logits.contiguous()

    summary = {"loss": out.loss.item(), "generation": []}
    model64 = copy.deepcopy(model).double()
    for i, kwargs in enumerate(spec.get("generation", [])):
        with torch.no_grad():
            ids = model.generate(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
            ids64 = model64.generate(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
        if not torch.equal(ids, ids64):
            raise SystemExit(f"generation {i} {kwargs}: float32 and float64 choose different tokens, so the case "
                             f"depends on rounding; pick another seed.\nfloat32 {ids.tolist()}\nfloat64 {ids64.tolist()}")
        tensors[f"gen.{i}"] = ids.contiguous()
        rows_with_eos = int((ids[:, 1:] == config.eos_token_id).any(dim=1).sum())
        summary["generation"].append({"kwargs": kwargs, "shape": list(ids.shape), "rows_with_eos": rows_with_eos})
    save_file(tensors, os.path.join(out_dir, "reference.safetensors"))
    return summary


def main():
    out_dir, cases = sys.argv[1], json.loads(sys.argv[2])
    torch.set_num_threads(1)  # the shapes are small: thread start-up would cost more than it saves
    print(json.dumps({name: run_case(os.path.join(out_dir, name), spec) for name, spec in cases.items()}))


if __name__ == "__main__":
    main()
