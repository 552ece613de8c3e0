"""A transformers + PEFT training loop for IA3, LN tuning, BEFT (BitFit), prompt tuning, prefix tuning, P-tuning and
DoRA, for MethodsTrainingParityTest.

Usage: peft_methods_training_reference.py <out_dir> <dialogsum.train.jsonl> <tokenizer_dir> <steps>
       <ia3|ln|bitfit|prompt|prefix|ptuning|dora>
The loop of training_parity_reference.py (the same random FLAN-shaped base with the real vocabulary, the
same data order, prompt, truncation, AdamW lr 1e-3 with weight decay 0.01, linear schedule with 5 warmup
steps, clipping at 1.0, float32, dropout off), with the method's adapter in PEFT's default initialisation
instead of LoRA: IA3Config (T5 defaults, ones), LNTuningConfig (T5 defaults, copies of the norms),
BeftConfig on q, k, v, o, wi_0, wi_1, wo (zeros), PromptTuningConfig and PrefixTuningConfig (8 virtual tokens,
RANDOM / N(0, 1), PEFT's two submodules), PromptEncoderConfig (8 virtual tokens, the MLP encoder; its initial
encoder also to <out_dir>/encoder.safetensors, since PEFT's file holds only its output), LoraConfig(use_dora=True) (r 8, alpha 16, dropout 0, targets q, k, v,
o, wi_0, wi_1, wo; default init: B zero, magnitudes the row norms of W). Saves the base to <out_dir>/base and the untrained
adapter to <out_dir>/adapter, trains, saves the trained adapter to <out_dir>/trained and prints every
step's loss as JSON.
"""
import json
import sys
import warnings

import torch
from peft import (BeftConfig, IA3Config, LNTuningConfig, LoraConfig, PrefixTuningConfig, PromptEncoderConfig, PromptTuningConfig,
                  get_peft_model)
from transformers import T5Config, T5ForConditionalGeneration

import dialogsum_training
from safetensors.torch import save_file

warnings.filterwarnings("ignore")
out_dir, data_file, tokenizer_dir, steps, method = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
torch.manual_seed(11)
torch.set_num_threads(2)

config = T5Config(vocab_size=32128, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2, num_heads=4,
                  feed_forward_proj="gated-gelu", tie_word_embeddings=False, dropout_rate=0.0, initializer_factor=0.5,
                  decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
base = T5ForConditionalGeneration(config)
base.save_pretrained(f"{out_dir}/base")
if method == "ia3":
    peft_config = IA3Config(task_type="SEQ_2_SEQ_LM")
elif method == "ln":
    peft_config = LNTuningConfig(task_type="SEQ_2_SEQ_LM")
elif method == "prompt":
    peft_config = PromptTuningConfig(task_type="SEQ_2_SEQ_LM", num_virtual_tokens=8)
elif method == "dora":
    peft_config = LoraConfig(task_type="SEQ_2_SEQ_LM", r=8, lora_alpha=16, lora_dropout=0.0, use_dora=True,
                             target_modules=["q", "k", "v", "o", "wi_0", "wi_1", "wo"])
elif method == "prefix":
    peft_config = PrefixTuningConfig(task_type="SEQ_2_SEQ_LM", num_virtual_tokens=8)
elif method == "ptuning":
    peft_config = PromptEncoderConfig(task_type="SEQ_2_SEQ_LM", num_virtual_tokens=8,
                                      encoder_reparameterization_type="MLP")
else:
    peft_config = BeftConfig(target_modules=["q", "k", "v", "o", "wi_0", "wi_1", "wo"], task_type="SEQ_2_SEQ_LM")
model = get_peft_model(base, peft_config)
model.save_pretrained(f"{out_dir}/adapter")
if method == "ptuning":
    # PEFT's file holds the encoder's output only; the encoder itself, for the Java side to start from.
    save_file({k: v.detach().clone() for k, v in model.prompt_encoder["default"].state_dict().items()},
              f"{out_dir}/encoder.safetensors")

losses, trainable = dialogsum_training.train(model, dialogsum_training.batches(data_file, tokenizer_dir, steps), steps)
model.save_pretrained(f"{out_dir}/trained")
print(json.dumps({"losses": losses, "trainable": trainable}))
