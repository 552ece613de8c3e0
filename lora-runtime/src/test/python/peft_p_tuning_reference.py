"""PEFT side of PTuningParityTest, on a tiny random FLAN-shaped T5.

make <dir> <MLP|LSTM>   base into <dir>/base and a PEFT P-tuning adapter (P=3, PEFT's defaults, encoder_hidden_size
                        12) into <dir>/adapter; prints PEFT's loss and logits in train mode (dropout 0), the gradients
                        of every prompt-encoder tensor after backward, its initial tensors (to copy), and
                        PeftModel.generate() ids (greedy, beam 3), re-checked in float64.
check <base> <adapter>  PeftModel.from_pretrained(<adapter>): loss and logits.
"""
import json
import sys

import torch
from peft import PeftModel, PromptEncoderConfig, get_peft_model
from transformers import T5Config, T5ForConditionalGeneration

INPUT_IDS = torch.tensor([[5, 17, 9, 33, 2, 41, 1], [8, 3, 60, 1, 0, 0, 0]])
ATTENTION = (INPUT_IDS != 0).long()
ATTENTION[0, :] = 1
LABELS = torch.tensor([[12, 7, 30, 1, -100], [4, 44, 1, -100, -100]])
GENERATE = [dict(max_new_tokens=8), dict(max_new_tokens=8, num_beams=3, early_stopping=True)]


def flat(t):
    return t.detach().double().flatten().tolist()


if sys.argv[1] == "make":
    out_dir, kind = sys.argv[2], sys.argv[3]
    torch.manual_seed(9)
    config = T5Config(vocab_size=64, d_model=16, d_kv=4, d_ff=32, num_layers=2, num_decoder_layers=2, num_heads=2,
                      feed_forward_proj="gated-gelu", tie_word_embeddings=False, decoder_start_token_id=0,
                      pad_token_id=0, eos_token_id=1, dropout_rate=0.0)
    base = T5ForConditionalGeneration(config)
    with torch.no_grad():
        base.lm_head.weight[1] *= 1.5
    base.save_pretrained(f"{out_dir}/base")
    model = get_peft_model(base, PromptEncoderConfig(task_type="SEQ_2_SEQ_LM", num_virtual_tokens=3,
                                                     encoder_reparameterization_type=kind, encoder_hidden_size=12))
    encoder = model.prompt_encoder["default"]
    initial = {k: flat(v) for k, v in encoder.state_dict().items()}
    model.train()
    out = model(input_ids=INPUT_IDS, attention_mask=ATTENTION, labels=LABELS)
    out.loss.backward()
    grads = {k: flat(p.grad) for k, p in encoder.named_parameters()}
    model.save_pretrained(f"{out_dir}/adapter")
    model.eval()
    with torch.no_grad():
        tokens = [model.generate(input_ids=INPUT_IDS, attention_mask=ATTENTION, do_sample=False, **g).tolist() for g in GENERATE]
        model.double()
        tokens64 = [model.generate(input_ids=INPUT_IDS, attention_mask=ATTENTION, do_sample=False, **g).tolist() for g in GENERATE]
    if tokens != tokens64:
        raise SystemExit("float32 and float64 generations differ; choose another seed")
    print(json.dumps({"input_ids": flat(INPUT_IDS), "attention_mask": flat(ATTENTION), "labels": flat(LABELS),
                      "loss": out.loss.item(), "logits": flat(out.logits), "initial": initial, "grads": grads,
                      "greedy": tokens[0], "beam": tokens[1]}))
else:
    base = T5ForConditionalGeneration.from_pretrained(sys.argv[2])
    model = PeftModel.from_pretrained(base, sys.argv[3]).eval()
    with torch.no_grad():
        out = model(input_ids=INPUT_IDS, attention_mask=ATTENTION, labels=LABELS)
    print(json.dumps({"loss": out.loss.item(), "logits": flat(out.logits)}))
