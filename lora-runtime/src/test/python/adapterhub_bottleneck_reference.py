"""AdapterHub (`adapters` 1.3.0 on transformers 4.57.6, its own venv) side of the bottleneck-adapter parity
tests, on the tiny random FLAN-shaped T5 of peft_methods_reference.py (gated-gelu, untied head, seed 3;
d_model 32 so reduction factor 16 gives a bottleneck of 2).

make <dir> <variant>   builds the base model into <dir>/base and an adapter named "bn" into <dir>/adapter
                       (model.save_adapter with use_safetensors), then prints as JSON: the inputs, the logits
                       and loss in eval mode, the gradient of the loss for every adapter tensor under its file
                       key, the logits with the adapter deactivated, and greedy and beam-4 generated ids.
                       Variants: pfeiffer (seq_bn), houlsby (double_seq_bn), houlsby-cross (double_seq_bn with
                       cross_adapter, relu and scaling 0.5), pfeiffer-residual (seq_bn with residual_before_ln
                       false). Biases are perturbed by 0.05 N(0, 1) after AdapterHub's "bert" init, so every
                       tensor is non-trivial.
check <base> <adapter> loads <base>, then model.load_adapter(<adapter>) and prints as JSON the logits on the same
                       inputs, the adapter's parameter names as AdapterHub holds them, its config and greedy ids.
"""
import json
import sys
import warnings

import torch
import adapters
from adapters import DoubleSeqBnConfig, SeqBnConfig
from transformers import T5Config, T5ForConditionalGeneration

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
INPUT_IDS = torch.tensor([[5, 17, 9, 33, 2, 41, 1], [8, 3, 60, 1, 0, 0, 0]])
ATTENTION = (INPUT_IDS != 0).long()
ATTENTION[0, :] = 1
LABELS = torch.tensor([[12, 7, 30, 1, -100], [4, 44, 1, -100, -100]])
NAME = "bn"


def flat(t):
    return t.detach().float().flatten().tolist()


def config_of(variant):
    if variant == "pfeiffer":
        return SeqBnConfig()
    if variant == "pfeiffer-residual":
        return SeqBnConfig(residual_before_ln=False)
    if variant == "houlsby":
        return DoubleSeqBnConfig()
    if variant == "houlsby-cross":
        return DoubleSeqBnConfig(cross_adapter=True, non_linearity="relu", scaling=0.5)
    raise ValueError(variant)


def with_adapters(model):
    adapters.init(model)
    return model


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


def adapter_tensors(model):
    return {n: p for n, p in model.named_parameters() if f".adapters.{NAME}." in n}


def make(out_dir, variant):
    torch.manual_seed(3)
    config = T5Config(vocab_size=64, d_model=32, d_kv=8, d_ff=48, num_layers=2, num_decoder_layers=2, num_heads=4,
                      feed_forward_proj="gated-gelu", tie_word_embeddings=False, decoder_start_token_id=0,
                      pad_token_id=0, eos_token_id=1, dropout_rate=0.0)
    base = T5ForConditionalGeneration(config)
    base.save_pretrained(f"{out_dir}/base", safe_serialization=True)
    model = with_adapters(base)
    torch.manual_seed(5)
    model.add_adapter(NAME, config=config_of(variant))
    with torch.no_grad():
        for n, p in adapter_tensors(model).items():
            if n.endswith(".bias"):
                p.add_(0.05 * torch.randn_like(p))
    model.train_adapter(NAME)
    model.save_adapter(f"{out_dir}/adapter", NAME, use_safetensors=True)

    model.eval()
    out = model(input_ids=INPUT_IDS, attention_mask=ATTENTION, labels=LABELS)
    out.loss.backward()
    grads = {n: flat(p.grad) for n, p in adapter_tensors(model).items()}
    result = {"input_ids": flat(INPUT_IDS), "attention_mask": flat(ATTENTION), "labels": flat(LABELS),
              "logits": flat(out.logits), "loss": out.loss.item(), "grads": grads,
              "greedy": generated(model, 1), "beam4": generated(model, 4)}
    model.set_active_adapters(None)
    result["disabled_logits"] = logits_of(model)
    return result


def check(base_dir, adapter_dir):
    model = with_adapters(T5ForConditionalGeneration.from_pretrained(base_dir))
    name = model.load_adapter(adapter_dir, use_safetensors=True)
    model.set_active_adapters(name)
    keys = sorted(n for n, _ in model.named_parameters() if f".adapters.{name}." in n)
    return {"name": name, "logits": logits_of(model), "keys": keys,
            "config": model.adapters_config.get(name).to_dict(), "greedy": generated(model, 1)}


if __name__ == "__main__":
    if sys.argv[1] == "make":
        print(json.dumps(make(sys.argv[2], sys.argv[3])))
    else:
        print(json.dumps(check(sys.argv[2], sys.argv[3])))
