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
from transformers import T5Config, T5ForConditionalGeneration

import dialogsum_training

warnings.filterwarnings("ignore")
out_dir, data_file, tokenizer_dir, steps, method = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
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

losses, trainable = dialogsum_training.train(model, dialogsum_training.batches(data_file, tokenizer_dir, steps), steps)
model.save_adapter(f"{out_dir}/trained", NAME, use_safetensors=True)
print(json.dumps({"losses": losses, "trainable": trainable}))
