"""The training loop the method training-parity references share (peft_methods_training_reference.py,
adapterhub_training_reference.py), importable from either venv: DialogSum batches of 4 with the default prompt,
sources cut at 128 tokens and summaries at 64, then AdamW (lr 1e-3, weight decay 0.01), a linear schedule with
5 warm-up steps and clipping at 1.0, float32, one batch per step in file order. MethodTrainingParity replays the
same on the Java side.
"""
import json

import torch
from transformers import AutoTokenizer, get_linear_schedule_with_warmup

PROMPT = "Summarize the following conversation.\n\n{dialogue}\n\nSummary: "


def batches(data_file, tokenizer_dir, steps):
    """(input_ids, attention_mask, labels) for each of the first steps * 4 rows, 4 at a time; -100 at padding."""
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    rows = [json.loads(line) for line in open(data_file, encoding="utf-8")][: steps * 4]
    out = []
    for start in range(0, len(rows), 4):
        chunk = rows[start:start + 4]
        enc = tokenizer([PROMPT.replace("{dialogue}", r["dialogue"]) for r in chunk], max_length=128, truncation=True,
                        padding="longest", return_tensors="pt")
        labels = tokenizer([r["summary"] for r in chunk], max_length=64, truncation=True, padding="longest",
                           return_tensors="pt").input_ids
        labels[labels == tokenizer.pad_token_id] = -100
        out.append((enc.input_ids, enc.attention_mask, labels))
    return out


def train(model, data, steps):
    """Trains the parameters that require grad for steps steps; returns (every step's loss, trainable count)."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01)
    scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=5, num_training_steps=steps)
    model.train()
    losses = []
    for step in range(steps):
        ids, mask, labels = data[step % len(data)]
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses, sum(p.numel() for p in params)
