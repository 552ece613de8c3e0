"""PEFT side of the IA3, LN tuning and BitFit (BEFT) parity tests, on the tiny random FLAN-shaped T5 of
peft_interop_reference.py (gated-gelu, untied head, seed 3).

make <dir> <variant>   builds the base model into <dir>/base and a PEFT adapter into <dir>/adapter, then
                       prints as JSON: the inputs, PEFT's logits and loss (eval mode, so no dropout), the
                       gradient of the loss for every trainable tensor under its file key, the logits with
                       the adapter disabled, and where PEFT can merge, the logits after merge_adapter, after
                       unmerge_adapter and after merge_and_unload (else PEFT's merge error).
                       Variants: ia3 (PEFT's T5 defaults k, v, wo; init_ia3_weights=False, so the vectors
                       are random), ln (PEFT's T5 defaults; the copies perturbed by 0.1 N(0, 1) so they differ
                       from the base), bitfit (BEFT on q, k, v, o, wi_0, wi_1, wo, init_weights=False),
                       bitfit-norms (the same plus modules_to_save ["layer_norm"], T-Few's BitFit; the norm
                       copies perturbed as for ln).
check <base> <adapter> loads <base> + PeftModel.from_pretrained(<adapter>) and prints the logits on the same
                       inputs, the adapter's state-dict keys as PEFT holds them after loading, and the
                       config's peft_type, as JSON.
"""
import json
import sys
import warnings

import torch
from peft import BeftConfig, IA3Config, LNTuningConfig, PeftModel, get_peft_model
from peft.utils import get_peft_model_state_dict
from transformers import T5Config, T5ForConditionalGeneration

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
INPUT_IDS = torch.tensor([[5, 17, 9, 33, 2, 41, 1], [8, 3, 60, 1, 0, 0, 0]])
ATTENTION = (INPUT_IDS != 0).long()
ATTENTION[0, :] = 1
LABELS = torch.tensor([[12, 7, 30, 1, -100], [4, 44, 1, -100, -100]])
BITFIT_TARGETS = ["q", "k", "v", "o", "wi_0", "wi_1", "wo"]


def flat(t):
    return t.detach().float().flatten().tolist()


def logits_of(model):
    model.eval()
    with torch.no_grad():
        return flat(model(input_ids=INPUT_IDS, attention_mask=ATTENTION, labels=LABELS).logits)


def file_key(name):
    """A parameter's name in the adapter file: without the adapter name (and modules_to_save's wrapper)."""
    return name.replace(".modules_to_save.default", "").replace(".default", "")


def make(out_dir, variant):
    torch.manual_seed(3)
    config = T5Config(vocab_size=64, d_model=16, d_kv=4, d_ff=32, num_layers=2, num_decoder_layers=2, num_heads=2,
                      feed_forward_proj="gated-gelu", tie_word_embeddings=False, decoder_start_token_id=0,
                      pad_token_id=0, eos_token_id=1)
    base = T5ForConditionalGeneration(config)
    base.save_pretrained(f"{out_dir}/base")
    if variant == "ia3":
        peft_config = IA3Config(init_ia3_weights=False, task_type="SEQ_2_SEQ_LM")
    elif variant == "ln":
        peft_config = LNTuningConfig(task_type="SEQ_2_SEQ_LM")
    else:
        peft_config = BeftConfig(target_modules=BITFIT_TARGETS, init_weights=False, task_type="SEQ_2_SEQ_LM",
                                 modules_to_save=["layer_norm"] if variant == "bitfit-norms" else None)
    model = get_peft_model(base, peft_config)
    torch.manual_seed(5)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.requires_grad and ("ln_tuning_layers" in name or "modules_to_save" in name):
                p.add_(0.1 * torch.randn_like(p))
    model.save_pretrained(f"{out_dir}/adapter")

    model.eval()
    out = model(input_ids=INPUT_IDS, attention_mask=ATTENTION, labels=LABELS)
    out.loss.backward()
    grads = {file_key(n): flat(p.grad) for n, p in model.named_parameters() if p.requires_grad}
    result = {"input_ids": flat(INPUT_IDS), "attention_mask": flat(ATTENTION), "labels": flat(LABELS),
              "logits": flat(out.logits), "loss": out.loss.item(), "grads": grads}
    with model.disable_adapter():
        result["disabled_logits"] = logits_of(model)
    try:
        model.merge_adapter()
    except ValueError as e:
        result["merge_error"] = str(e)
        return result
    result["merged_logits"] = logits_of(model)
    model.unmerge_adapter()
    result["unmerged_logits"] = logits_of(model)
    result["merge_and_unload_logits"] = logits_of(model.merge_and_unload())
    return result


def check(base_dir, adapter_dir):
    base = T5ForConditionalGeneration.from_pretrained(base_dir)
    model = PeftModel.from_pretrained(base, adapter_dir)
    keys = sorted(get_peft_model_state_dict(model).keys())
    return {"logits": logits_of(model), "keys": keys, "peft_type": str(model.peft_config["default"].peft_type.value)}


if __name__ == "__main__":
    if sys.argv[1] == "make":
        print(json.dumps(make(sys.argv[2], sys.argv[3])))
    else:
        print(json.dumps(check(sys.argv[2], sys.argv[3])))
