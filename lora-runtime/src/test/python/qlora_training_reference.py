"""A transformers + PEFT + bitsandbytes QLoRA training loop on the CPU, for QLoraTrainingParityTest.

Usage: qlora_training_reference.py <out_dir> <dialogsum.train.jsonl> <tokenizer_dir> <steps> <nf4|fp4> <double_quant 0|1>
                                   [float32|bfloat16]
Builds a small random FLAN-shaped T5 (the real 32,128-token vocabulary, d_model 64, 4 heads of 16, d_ff 128,
2+2 layers, initializer_factor 0.5, dropout 0; every in_features a multiple of the block size 64, see
docs/QLORA.md for why), saves it in float32 to <out_dir>/base, and loads it back through transformers with
BitsAndBytesConfig(load_in_4bit, the given quant type and double quantization, compute dtype float32):
q, k, v, o, wi_0, wi_1 become bitsandbytes Linear4bit; wo and lm_head stay float32 (transformers' T5 rule).
With bfloat16 the saved float32 base is loaded as bfloat16 (dtype=torch.bfloat16), so the 4-bit layers are
quantized from bfloat16 weights and prepare_model_for_kbit_training casts every other parameter to float32.
The 4-bit model is saved to <out_dir>/base4bit. Then prepare_model_for_kbit_training (without gradient
checkpointing: the same numbers, recomputed), a PEFT LoRA adapter (r 8, alpha 16, dropout 0, targets q, v,
wi_0 and wo: LoRA over 4-bit and over float layers) saved untrained to <out_dir>/adapter, and the loop of
training_parity_reference.py: batches of 4, AdamW (lr 1e-3, weight decay 0.01), linear schedule with 5
warmup steps, clipping at 1.0. Prints every step's loss, the layer types and greedy generations (float32
compute, 12 new tokens) of the first two examples after training as JSON.
"""
import json
import sys

import torch
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import (AutoTokenizer, BitsAndBytesConfig, T5Config, T5ForConditionalGeneration,
                          get_linear_schedule_with_warmup)
import bitsandbytes as bnb

out_dir, data_file, tokenizer_dir, steps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
quant_type, double_quant = sys.argv[5], sys.argv[6] == "1"
load_dtype = getattr(torch, sys.argv[7] if len(sys.argv) > 7 else "float32")
PROMPT = "Summarize the following conversation.\n\n{dialogue}\n\nSummary: "
torch.manual_seed(11)
torch.set_num_threads(2)

config = T5Config(vocab_size=32128, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_decoder_layers=2, num_heads=4,
                  feed_forward_proj="gated-gelu", tie_word_embeddings=False, dropout_rate=0.0, initializer_factor=0.5,
                  decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
T5ForConditionalGeneration(config).save_pretrained(f"{out_dir}/base")
bnb_config = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=quant_type,
                                bnb_4bit_use_double_quant=double_quant, bnb_4bit_compute_dtype=torch.float32)
base = T5ForConditionalGeneration.from_pretrained(f"{out_dir}/base", quantization_config=bnb_config,
                                                  dtype=load_dtype, device_map="cpu")
base.save_pretrained(f"{out_dir}/base4bit")
layer_types = {name: type(module).__name__ for name, module in base.named_modules()
               if isinstance(module, torch.nn.Linear)}
base = prepare_model_for_kbit_training(base, use_gradient_checkpointing=False)
model = get_peft_model(base, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q", "v", "wi_0", "wo"],
                                        task_type="SEQ_2_SEQ_LM"))
model.save_pretrained(f"{out_dir}/adapter")

tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
rows = [json.loads(line) for line in open(data_file, encoding="utf-8")][: steps * 4]
batches = []
for start in range(0, len(rows), 4):
    chunk = rows[start:start + 4]
    enc = tokenizer([PROMPT.replace("{dialogue}", r["dialogue"]) for r in chunk], max_length=128, truncation=True,
                    padding="longest", return_tensors="pt")
    labels = tokenizer([r["summary"] for r in chunk], max_length=64, truncation=True, padding="longest",
                       return_tensors="pt").input_ids
    labels[labels == tokenizer.pad_token_id] = -100
    batches.append((enc.input_ids, enc.attention_mask, labels))

params = [p for p in model.parameters() if p.requires_grad]
optimizer = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01)
scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=5, num_training_steps=steps)
model.train()
losses = []
for step in range(steps):
    ids, mask, labels = batches[step % len(batches)]
    loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    optimizer.step()
    scheduler.step()
    optimizer.zero_grad()
    losses.append(loss.item())
model.save_pretrained(f"{out_dir}/trained")
# Greedy generation. bitsandbytes' CPU inference path (eval mode, no grad) switches to a fused bfloat16 kernel
# on AVX512-BF16 machines; training mode with dropout 0 computes the same function in float32.
model.train()
ids, mask, _ = batches[0]
with torch.no_grad():
    generated = model.generate(input_ids=ids[:2], attention_mask=mask[:2], max_new_tokens=12, do_sample=False, num_beams=1)
print(json.dumps({"losses": losses, "param_dtypes": sorted({str(p.dtype) for p in base.parameters()}), "adapter_dtypes": sorted({str(p.dtype) for p in params}),
                  "layer_types": layer_types, "generated": generated.tolist(),
                  "linear4bit": sum(isinstance(m, bnb.nn.Linear4bit) for m in base.modules())}))
