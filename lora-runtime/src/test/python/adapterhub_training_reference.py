"""An AdapterHub (`adapters` 1.3.0, transformers 4.57.6) training loop for Pfeiffer and Houlsby bottleneck
adapters, for BottleneckTrainingParityTest; run with the AdapterHub venv's python.

Usage: adapterhub_training_reference.py <out_dir> <dialogsum.train.jsonl> <tokenizer_dir> <steps> <pfeiffer|houlsby>
The loop of peft_methods_training_reference.py (the same random FLAN-shaped base with the real vocabulary,
data order, prompt, truncation, AdamW lr 1e-3 with weight decay 0.01, linear schedule with 5 warmup steps,
clipping at 1.0, float32, dropout off) with an AdapterHub adapter "default" in its default "bert" init
(SeqBnConfig or DoubleSeqBnConfig; reduction factor 8, so the bottleneck is 4 wide). Saves the base to
<out_dir>/base, the untrained adapter to <out_dir>/adapter and the trained one to <out_dir>/trained (each
with save_adapter(use_safetensors=True)), and prints every step's loss as JSON.
"""
import json
import sys
import warnings

import torch
import adapters
from adapters import DoubleSeqBnConfig, SeqBnConfig
from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration, get_linear_schedule_with_warmup

warnings.filterwarnings("ignore")
out_dir, data_file, tokenizer_dir, steps, method = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
PROMPT = "Summarize the following conversation.\n\n{dialogue}\n\nSummary: "
NAME = "default"
torch.manual_seed(11)
torch.set_num_threads(2)

config = T5Config(vocab_size=32128, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2, num_heads=4,
                  feed_forward_proj="gated-gelu", tie_word_embeddings=False, dropout_rate=0.0, initializer_factor=0.5,
                  decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
model = T5ForConditionalGeneration(config)
model.save_pretrained(f"{out_dir}/base", safe_serialization=True)
adapters.init(model)
model.add_adapter(NAME, config=SeqBnConfig(reduction_factor=8) if method == "pfeiffer"
                  else DoubleSeqBnConfig(reduction_factor=8))
model.train_adapter(NAME)
model.save_adapter(f"{out_dir}/adapter", NAME, use_safetensors=True)

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
model.save_adapter(f"{out_dir}/trained", NAME, use_safetensors=True)
print(json.dumps({"losses": losses, "trainable": sum(p.numel() for p in params)}))
