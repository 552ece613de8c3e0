"""A transformers + PEFT training loop, for TrainingParityTest.

Usage: training_parity_reference.py <out_dir> <dialogsum.train.jsonl> <tokenizer_dir> <steps> [float32|bfloat16]
Builds a small random FLAN-shaped T5 (the real 32,128-token vocabulary; initializer_factor 0.5
so the untrained loss starts near ln V instead of at 24, which keeps float32 rounding differences
from being amplified), saves it to <out_dir>/base,
adds a PEFT LoRA adapter (r 8, alpha 16, q and v, dropout 0, PEFT's default init) and saves it
untrained to <out_dir>/adapter, then trains it: the first steps*4 DialogSum examples in file order,
batches of 4 padded to their longest sequence, the prompt of the seed documents, sources truncated to
128 tokens and summaries to 64, AdamW (lr 1e-3, weight decay 0.01), a linear schedule with 5 warmup
steps, gradient clipping at 1.0, dropout off. Saves the trained adapter to <out_dir>/trained and prints
every step's loss as JSON. In float32, transformers' Seq2SeqTrainer then evaluates the trained model on the next
EVAL_EXAMPLES examples (batches of 4, the last one shorter) and its eval_loss is printed too.

With bfloat16 the base model is cast to bfloat16 before the adapter is added and saved in bfloat16;
PEFT keeps the LoRA weights (and so AdamW's state) in float32 (autocast_adapter_dtype), the mixed
precision lora4j trains with on a GPU. The adapter's dtype is printed with the losses.
"""
import contextlib
import json
import sys

import torch
from peft import LoraConfig, get_peft_model
from transformers import (AutoTokenizer, DataCollatorForSeq2Seq, Seq2SeqTrainer, Seq2SeqTrainingArguments, T5Config,
                          T5ForConditionalGeneration, get_linear_schedule_with_warmup)

out_dir, data_file, tokenizer_dir, steps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
base_dtype = getattr(torch, sys.argv[5] if len(sys.argv) > 5 else "float32")
EVAL_EXAMPLES = 10  # batches of 4, 4 and 2: a short last batch, which transformers' eval_loss counts as a full one
PROMPT = "Summarize the following conversation.\n\n{dialogue}\n\nSummary: "
torch.manual_seed(11)
torch.set_num_threads(2)

config = T5Config(vocab_size=32128, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2, num_heads=4,
                  feed_forward_proj="gated-gelu", tie_word_embeddings=False, dropout_rate=0.0, initializer_factor=0.5,
                  decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
base = T5ForConditionalGeneration(config).to(base_dtype)
base.save_pretrained(f"{out_dir}/base")
model = get_peft_model(base, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q", "v"],
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
adapter_dtypes = sorted({str(p.dtype) for p in params})

result = {"losses": losses, "adapter_dtypes": adapter_dtypes}
if base_dtype == torch.float32:
    eval_rows = [json.loads(line) for line in open(data_file, encoding="utf-8")][steps * 4: steps * 4 + EVAL_EXAMPLES]
    eval_set = [{"input_ids": tokenizer(PROMPT.replace("{dialogue}", r["dialogue"]), max_length=128, truncation=True).input_ids,
                 "labels": tokenizer(r["summary"], max_length=64, truncation=True).input_ids} for r in eval_rows]
    args = Seq2SeqTrainingArguments(output_dir=f"{out_dir}/trainer", per_device_eval_batch_size=4, report_to="none",
                                    use_cpu=True, disable_tqdm=True)
    with contextlib.redirect_stdout(sys.stderr):  # the Trainer prints its metrics; stdout carries only the JSON
        trainer = Seq2SeqTrainer(model=model, args=args, data_collator=DataCollatorForSeq2Seq(tokenizer, padding="longest"))
        eval_loss = trainer.evaluate(eval_dataset=eval_set)["eval_loss"]
    result.update(eval_loss=eval_loss, eval_examples=len(eval_set))
print(json.dumps(result))
