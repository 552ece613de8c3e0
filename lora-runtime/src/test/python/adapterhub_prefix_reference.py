"""AdapterHub (`adapters` 1.3.0 on transformers 4.57.6, its own venv) side of the paper-mode prefix-tuning parity
test, on the tiny random FLAN-shaped T5 of adapterhub_bottleneck_reference.py (d_model 32, 4 heads of 8).

make <dir> <variant>   builds the base into <dir>/base and a prefix-tuning adapter named "px" (prefix length 5,
                       bottleneck 16, AdapterHub's random init) into <dir>/adapter, then prints as JSON: the inputs,
                       logits and loss in eval mode, the gradient of every pool tensor under its file key, the logits
                       with the adapter deactivated, and greedy and beam-4 generated ids.
                       Variants: mlp (PrefixTuningConfig's three locations), flat (flat=True), decoder-only
                       (encoder_prefix and cross_prefix false).
                       AdapterHub 1.3.0 cannot save a prefix-tuning adapter with use_safetensors (its pool's tensors
                       are shared by every layer, and safetensors refuses shared tensors), so the directory gets the
                       adapter_config.json of its pickle save and an adapter.safetensors holding each pool tensor
                       once under the pool's own key (prefix_tuning.prefix_tunings.px.<location>....), which
                       load_adapter(use_safetensors=True) reads back exactly.
check <base> <adapter> loads <base>, then model.load_adapter(<adapter>, use_safetensors=True), and prints as JSON
                       its name, the logits and greedy ids on the same inputs.
"""
import json
import os
import sys
import warnings

import torch
import adapters
from adapters import PrefixTuningConfig
from safetensors.torch import save_file
from transformers import T5Config, T5ForConditionalGeneration

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
INPUT_IDS = torch.tensor([[5, 17, 9, 33, 2, 41, 1], [8, 3, 60, 1, 0, 0, 0]])
ATTENTION = (INPUT_IDS != 0).long()
ATTENTION[0, :] = 1
LABELS = torch.tensor([[12, 7, 30, 1, -100], [4, 44, 1, -100, -100]])
NAME = "px"
POOL = "prefix_tuning.prefix_tunings."


def flat(t):
    return t.detach().float().flatten().tolist()


def config_of(variant):
    if variant == "mlp":
        return PrefixTuningConfig(prefix_length=5, bottleneck_size=16)
    if variant == "flat":
        return PrefixTuningConfig(prefix_length=5, flat=True)
    if variant == "decoder-only":
        return PrefixTuningConfig(prefix_length=5, bottleneck_size=16, encoder_prefix=False, cross_prefix=False)
    raise ValueError(variant)


def logits_of(model):
    model.eval()
    with torch.no_grad():
        return flat(model(input_ids=INPUT_IDS, attention_mask=ATTENTION, labels=LABELS).logits)


def generated(model, beams):
    model.eval()
    with torch.no_grad():
        out = model.generate(input_ids=INPUT_IDS, attention_mask=ATTENTION, max_new_tokens=6, num_beams=beams,
                             do_sample=False, early_stopping=True if beams > 1 else False)
    return out.tolist()


def pool_tensors(model):
    return {n: p for n, p in model.named_parameters(remove_duplicate=False) if n.startswith(POOL)}


def make(out_dir, variant):
    torch.manual_seed(3)
    config = T5Config(vocab_size=64, d_model=32, d_kv=8, d_ff=48, num_layers=2, num_decoder_layers=2, num_heads=4,
                      feed_forward_proj="gated-gelu", tie_word_embeddings=False, decoder_start_token_id=0,
                      pad_token_id=0, eos_token_id=1, dropout_rate=0.0)
    base = T5ForConditionalGeneration(config)
    base.save_pretrained(f"{out_dir}/base", safe_serialization=True)
    model = base
    adapters.init(model)
    torch.manual_seed(5)
    model.add_adapter(NAME, config=config_of(variant))
    model.train_adapter(NAME)
    model.save_adapter(f"{out_dir}/adapter", NAME)
    for pickle in ("pytorch_adapter.bin", "pytorch_model_head.bin", "head_config.json"):
        if os.path.exists(f"{out_dir}/adapter/{pickle}"):
            os.remove(f"{out_dir}/adapter/{pickle}")
    save_file({n: p.detach().clone() for n, p in pool_tensors(model).items()}, f"{out_dir}/adapter/adapter.safetensors")

    model.eval()
    out = model(input_ids=INPUT_IDS, attention_mask=ATTENTION, labels=LABELS)
    out.loss.backward()
    grads = {n: flat(p.grad) for n, p in pool_tensors(model).items()}
    result = {"input_ids": flat(INPUT_IDS), "attention_mask": flat(ATTENTION), "labels": flat(LABELS),
              "logits": flat(out.logits), "loss": out.loss.item(), "grads": grads,
              "greedy": generated(model, 1), "beam4": generated(model, 4)}
    model.set_active_adapters(None)
    result["disabled_logits"] = logits_of(model)
    return result


def check(base_dir, adapter_dir):
    model = T5ForConditionalGeneration.from_pretrained(base_dir)
    adapters.init(model)
    name = model.load_adapter(adapter_dir, use_safetensors=True)
    model.set_active_adapters(name)
    return {"name": name, "logits": logits_of(model), "greedy": generated(model, 1)}


if __name__ == "__main__":
    if sys.argv[1] == "make":
        print(json.dumps(make(sys.argv[2], sys.argv[3])))
    else:
        print(json.dumps(check(sys.argv[2], sys.argv[3])))
