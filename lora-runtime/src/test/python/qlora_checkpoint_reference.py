"""transformers' 4-bit (bitsandbytes) T5 checkpoints, both ways, for QLoraCheckpointTest.

Usage: qlora_checkpoint_reference.py save <out_dir>
         Saves a small random float32 T5 (d_model 64, 2+2 layers, vocab 512) to <out_dir>/base, loads it with
         BitsAndBytesConfig(load_in_4bit, nf4, double quantization, compute float32) and saves that to
         <out_dir>/base4bit. Prints the 4-bit model's logits for fixed ids as JSON.
       qlora_checkpoint_reference.py load <dir>
         Loads <dir> (a 4-bit checkpoint lora4j saved) with transformers; prints which layers are Linear4bit
         and the logits for the same ids.
Logits are computed in training mode with dropout 0 (bitsandbytes' CPU inference path is a bfloat16 kernel).
"""
import json
import sys

import torch
from transformers import BitsAndBytesConfig, T5Config, T5ForConditionalGeneration
import bitsandbytes as bnb

IDS = torch.tensor([[5, 17, 230, 41, 9, 1], [7, 300, 12, 1, 0, 0]])
MASK = (IDS != 0).long()
MASK[0, 0] = 1
LABELS = torch.tensor([[3, 8, 1], [44, 1, -100]])


def logits(model):
    model.train()
    with torch.no_grad():
        return model(input_ids=IDS, attention_mask=MASK, labels=LABELS).logits.reshape(-1).tolist()


mode, path = sys.argv[1], sys.argv[2]
if mode == "save":
    torch.manual_seed(5)
    config = T5Config(vocab_size=512, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_decoder_layers=2, num_heads=4,
                      feed_forward_proj="gated-gelu", tie_word_embeddings=False, dropout_rate=0.0,
                      decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    T5ForConditionalGeneration(config).save_pretrained(f"{path}/base")
    q = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                           bnb_4bit_compute_dtype=torch.float32)
    model = T5ForConditionalGeneration.from_pretrained(f"{path}/base", quantization_config=q, dtype=torch.float32,
                                                       device_map="cpu")
    model.save_pretrained(f"{path}/base4bit")
    print(json.dumps({"logits": logits(model)}))
else:
    model = T5ForConditionalGeneration.from_pretrained(path, dtype=torch.float32, device_map="cpu")
    four = sorted(n for n, m in model.named_modules() if isinstance(m, bnb.nn.Linear4bit))
    print(json.dumps({"linear4bit": four, "logits": logits(model)}))
