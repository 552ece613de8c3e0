"""PEFT side of PeftInteropTest, on a tiny random FLAN-shaped T5 (gated-gelu, untied head).

make <dir> <targets>   builds the base model (seeded) into <dir>/base, a PEFT LoRA adapter with
                       non-zero B (init_lora_weights=False, r=4, alpha=8, dropout 0, targets comma-
                       separated or "all-linear") into <dir>/adapter, and prints the inputs, PEFT's
                       logits and loss, and the logits after merge_and_unload, as JSON.
check <base> <adapter> loads <base> + PeftModel.from_pretrained(<adapter>) and prints the logits on the
                       same inputs as JSON.
"""
import json
import sys

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import T5Config, T5ForConditionalGeneration

INPUT_IDS = torch.tensor([[5, 17, 9, 33, 2, 41, 1], [8, 3, 60, 1, 0, 0, 0]])
ATTENTION = (INPUT_IDS != 0).long()
ATTENTION[0, :] = 1
LABELS = torch.tensor([[12, 7, 30, 1, -100], [4, 44, 1, -100, -100]])


def flat(t):
    return t.detach().float().flatten().tolist()


def run(model):
    model.eval()
    with torch.no_grad():
        out = model(input_ids=INPUT_IDS, attention_mask=ATTENTION, labels=LABELS)
    return out.logits, out.loss


if sys.argv[1] == "make":
    out_dir, targets = sys.argv[2], sys.argv[3]
    torch.manual_seed(3)
    config = T5Config(vocab_size=64, d_model=16, d_kv=4, d_ff=32, num_layers=2, num_decoder_layers=2, num_heads=2,
                      feed_forward_proj="gated-gelu", tie_word_embeddings=False, decoder_start_token_id=0,
                      pad_token_id=0, eos_token_id=1)
    base = T5ForConditionalGeneration(config)
    base.save_pretrained(f"{out_dir}/base")
    target_modules = "all-linear" if targets == "all-linear" else targets.split(",")
    lora = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=target_modules,
                                           init_lora_weights=False, task_type="SEQ_2_SEQ_LM"))
    lora.save_pretrained(f"{out_dir}/adapter")
    logits, loss = run(lora)
    merged_logits, _ = run(lora.merge_and_unload())
    print(json.dumps({"input_ids": flat(INPUT_IDS), "attention_mask": flat(ATTENTION), "labels": flat(LABELS),
                      "logits_shape": list(logits.shape), "logits": flat(logits), "loss": loss.item(),
                      "merged_logits": flat(merged_logits)}))
else:
    base = T5ForConditionalGeneration.from_pretrained(sys.argv[2])
    model = PeftModel.from_pretrained(base, sys.argv[3])
    logits, loss = run(model)
    print(json.dumps({"logits": flat(logits), "loss": loss.item()}))
