"""PEFT side of DoraPeftParityTest: DoRA (LoraConfig(use_dora=True)) in peft 0.21.2, float32.

make <dir> <tokenizer_dir>  builds a random FLAN-shaped T5 with the real vocabulary (gated-gelu, untied head,
                            2+2 layers, d_model 32, 3 heads of 8 so the attention width 24 differs from d_model
                            as in flan-t5-small) into <dir>/base, and a PEFT DoRA adapter (r 4, alpha 8, dropout 0,
                            targets q, k, v, o, wi_0, wi_1, wo, default init: B zero, magnitude the row norms of
                            W). Prints, as JSON: the initial magnitudes; then, with B moved off zero and the
                            magnitudes perturbed (that adapter is saved to <dir>/adapter): the inputs (two
                            dialogues through the real tokenizer), loss, logits, every trainable tensor's gradient
                            under its file key, greedy and beam-4 generate() ids (checked to be the same in
                            float64, so no compared token hinges on rounding), the merged weight of every adapted
                            layer and the logits after merge_adapter, unmerge_adapter and merge_and_unload.
base <dir> <tokenizer_dir> only the base of make (the same model) into <dir>/base, and the inputs.
check <base> <adapter> <tokenizer_dir>
                            loads <base> + PeftModel.from_pretrained(<adapter>) and prints its logits on the same
                            inputs, its state-dict keys (file keys) and use_dora as PEFT read it.
layer <mask.json>           PEFT's DoRA Linear (16 -> 12 with bias, r 4, alpha 8, lora_dropout 0.3,
                            init_lora_weights=False so B is non-zero at init) in training mode, its dropout module
                            replaced by one that multiplies by the given mask (values 0 or 1/(1-p), shape 3x5x16:
                            the mask lora4j draws), so PEFT's own recomputation path runs with lora4j's mask.
                            Prints W, bias, A, B, the initial magnitude, x, dy, y and the gradients of x, A, B and
                            the magnitude, plus y in eval mode (no dropout: the base output reused).
"""
import json
import sys
import warnings

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from peft.utils import get_peft_model_state_dict
from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration

warnings.filterwarnings("ignore")
torch.set_num_threads(2)
PROMPT = "Summarize the following conversation.\n\n{dialogue}\n\nSummary: "
DIALOGUES = ["#Person1#: Did you finish the report?\n#Person2#: Almost, I need one more hour.",
             "#Person1#: Where is the station?\n#Person2#: Two blocks north, next to the bank."]
SUMMARIES = ["Person2 needs an hour to finish the report.", "The station is next to the bank."]
TARGETS = ["q", "k", "v", "o", "wi_0", "wi_1", "wo"]
GENERATE = [dict(max_new_tokens=8), dict(max_new_tokens=8, num_beams=4, early_stopping=True)]


def flat(t):
    return t.detach().double().flatten().tolist()


def file_key(name):
    """PEFT's file key: no adapter name, and the magnitude without its .weight."""
    return name.replace("lora_magnitude_vector.default.weight", "lora_magnitude_vector").replace(".default", "")


def inputs(tokenizer_dir):
    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    enc = tok([PROMPT.replace("{dialogue}", d) for d in DIALOGUES], max_length=128, truncation=True,
              padding="longest", return_tensors="pt")
    labels = tok(SUMMARIES, max_length=64, truncation=True, padding="longest", return_tensors="pt").input_ids
    labels[labels == tok.pad_token_id] = -100
    return enc.input_ids, enc.attention_mask, labels


def forward(model, ids, mask, labels):
    return model(input_ids=ids, attention_mask=mask, labels=labels)


def logits_of(model, ids, mask, labels):
    model.eval()
    with torch.no_grad():
        return flat(forward(model, ids, mask, labels).logits)


def make_base(out_dir):
    torch.manual_seed(23)
    config = T5Config(vocab_size=32128, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2, num_heads=3,
                      feed_forward_proj="gated-gelu", tie_word_embeddings=False, dropout_rate=0.0,
                      decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    base = T5ForConditionalGeneration(config)
    base.save_pretrained(f"{out_dir}/base")
    return base


def make(out_dir, tokenizer_dir):
    base = make_base(out_dir)
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=TARGETS, use_dora=True,
                                            task_type="SEQ_2_SEQ_LM"))
    named = dict(model.named_parameters())
    initial = {file_key(n): flat(p) for n, p in named.items() if "lora_magnitude_vector" in n}
    torch.manual_seed(5)
    with torch.no_grad():
        for n, p in named.items():
            if "lora_B" in n:
                p.copy_(0.3 * torch.randn_like(p))  # B off zero: the DoRA terms are not trivial
            elif "lora_magnitude_vector" in n:
                p.mul_(1 + 0.1 * torch.randn_like(p))
    model.save_pretrained(f"{out_dir}/adapter")

    ids, mask, labels = inputs(tokenizer_dir)
    model.eval()
    out = forward(model, ids, mask, labels)
    out.loss.backward()
    grads = {file_key(n): flat(p.grad) for n, p in model.named_parameters() if p.requires_grad}
    result = {"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "labels": labels.tolist(),
              "initial_magnitudes": initial, "logits": flat(out.logits), "loss": out.loss.item(), "grads": grads}
    with model.disable_adapter():
        result["disabled_logits"] = logits_of(model, ids, mask, labels)
    with torch.no_grad():
        tokens = [model.generate(input_ids=ids, attention_mask=mask, do_sample=False, **g).tolist() for g in GENERATE]
        model.double()
        tokens64 = [model.generate(input_ids=ids, attention_mask=mask, do_sample=False, **g).tolist() for g in GENERATE]
        model.float()
    if tokens != tokens64:
        raise SystemExit("float32 and float64 generations differ; choose another seed")
    result["greedy"], result["beam"] = tokens
    model.merge_adapter()
    result["merged_weights"] = {n[: -len(".base_layer.weight")].replace("base_model.model.", "", 1): flat(m)
                                for n, m in model.named_parameters() if n.endswith(".base_layer.weight")}
    result["merged_logits"] = logits_of(model, ids, mask, labels)
    model.unmerge_adapter()
    result["unmerged_logits"] = logits_of(model, ids, mask, labels)
    result["merge_and_unload_logits"] = logits_of(model.merge_and_unload(), ids, mask, labels)
    return result


def check(base_dir, adapter_dir, tokenizer_dir):
    base = T5ForConditionalGeneration.from_pretrained(base_dir)
    model = PeftModel.from_pretrained(base, adapter_dir)
    ids, mask, labels = inputs(tokenizer_dir)
    keys = sorted(get_peft_model_state_dict(model).keys())
    return {"logits": logits_of(model, ids, mask, labels), "keys": keys,
            "use_dora": model.peft_config["default"].use_dora}


class FixedMask(torch.nn.Module):
    """Dropout with a given mask (already scaled by 1/(1-p)), as torch's dropout multiplies by it."""

    def __init__(self, mask):
        super().__init__()
        self.mask = mask

    def forward(self, x):
        return x * self.mask


class One(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.q = torch.nn.Linear(16, 12)

    def forward(self, x):
        return self.q(x)


def layer(mask_file):
    mask = torch.tensor(json.load(open(mask_file)), dtype=torch.float32).reshape(3, 5, 16)
    torch.manual_seed(0)
    model = get_peft_model(One(), LoraConfig(r=4, lora_alpha=8, lora_dropout=0.3, target_modules=["q"], use_dora=True,
                                             init_lora_weights=False))
    q = model.base_model.model.q
    magnitude = q.lora_magnitude_vector["default"].weight
    initial = flat(magnitude)
    with torch.no_grad():
        magnitude.mul_(1 + 0.1 * torch.randn_like(magnitude))  # m differs from the norm: g is not one
    q.lora_dropout["default"] = FixedMask(mask)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(3, 5, 16, generator=g).requires_grad_(True)
    dy = torch.randn(3, 5, 12, generator=g)
    model.train()
    y = model(x)
    y.backward(dy)
    a, b = q.lora_A["default"].weight, q.lora_B["default"].weight
    model.eval()
    with torch.no_grad():
        y_eval = model(x)
    return {"w": flat(q.base_layer.weight), "bias": flat(q.base_layer.bias), "a": flat(a), "b": flat(b),
            "scale": q.scaling["default"], "initial_magnitude": initial, "magnitude": flat(magnitude),
            "x": flat(x), "dy": flat(dy), "y": flat(y), "dx": flat(x.grad), "da": flat(a.grad), "db": flat(b.grad),
            "dm": flat(magnitude.grad), "y_eval": flat(y_eval)}


if __name__ == "__main__":
    if sys.argv[1] == "make":
        print(json.dumps(make(sys.argv[2], sys.argv[3])))
    elif sys.argv[1] == "base":
        make_base(sys.argv[2])
        ids, mask, labels = inputs(sys.argv[3])
        print(json.dumps({"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "labels": labels.tolist()}))
    elif sys.argv[1] == "check":
        print(json.dumps(check(sys.argv[2], sys.argv[3], sys.argv[4])))
    else:
        print(json.dumps(layer(sys.argv[2])))
