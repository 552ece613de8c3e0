"""PEFT side of PromptTuningParityTest, on a tiny random FLAN-shaped T5 (gated-gelu, untied head).

make <dir>               builds the base into <dir>/base and a PEFT prompt-tuning adapter (RANDOM init, P=3,
                         PEFT's default num_transformer_submodules 2) into <dir>/adapter; prints the inputs,
                         PEFT's loss and logits in train mode (dropout 0), the gradient of prompt_embeddings
                         after backward of the loss, and PeftModel.generate() ids (greedy and beam 3).
check <base> <adapter>   loads <base> + PeftModel.from_pretrained(<adapter>) and prints loss and logits.
text <dir> <tokenizer>   a base with the real T5 vocabulary and a TEXT-initialised adapter (the init text
                         through the real tokenizer) into <dir>; prints the init ids.
"""
import json
import sys

import torch
from peft import PeftModel, PromptTuningConfig, PromptTuningInit, get_peft_model
from transformers import T5Config, T5ForConditionalGeneration

INPUT_IDS = torch.tensor([[5, 17, 9, 33, 2, 41, 1], [8, 3, 60, 1, 0, 0, 0]])
ATTENTION = (INPUT_IDS != 0).long()
ATTENTION[0, :] = 1
LABELS = torch.tensor([[12, 7, 30, 1, -100], [4, 44, 1, -100, -100]])
GENERATE = [dict(max_new_tokens=8), dict(max_new_tokens=8, num_beams=3, early_stopping=True)]
INIT_TEXT = "Summarize the following dialogue"


def flat(t):
    return t.detach().double().flatten().tolist()


def tiny(vocab=64):
    return T5Config(vocab_size=vocab, d_model=16, d_kv=4, d_ff=32, num_layers=2, num_decoder_layers=2, num_heads=2,
                    feed_forward_proj="gated-gelu", tie_word_embeddings=False, decoder_start_token_id=0,
                    pad_token_id=0, eos_token_id=1, dropout_rate=0.0)


if sys.argv[1] == "make":
    out_dir = sys.argv[2]
    torch.manual_seed(7)
    base = T5ForConditionalGeneration(tiny())
    with torch.no_grad():
        base.lm_head.weight[1] *= 1.5  # EOS likelier: sequences end at different steps
    base.save_pretrained(f"{out_dir}/base")
    model = get_peft_model(base, PromptTuningConfig(task_type="SEQ_2_SEQ_LM", num_virtual_tokens=3,
                                                    prompt_tuning_init=PromptTuningInit.RANDOM))
    model.save_pretrained(f"{out_dir}/adapter")
    model.train()
    out = model(input_ids=INPUT_IDS, attention_mask=ATTENTION, labels=LABELS)
    out.loss.backward()
    grad = model.prompt_encoder["default"].embedding.weight.grad
    model.eval()
    with torch.no_grad():
        tokens = [model.generate(input_ids=INPUT_IDS, attention_mask=ATTENTION, do_sample=False, **g).tolist() for g in GENERATE]
        model.double()  # no compared token may hinge on float32 rounding
        tokens64 = [model.generate(input_ids=INPUT_IDS, attention_mask=ATTENTION, do_sample=False, **g).tolist() for g in GENERATE]
    if tokens != tokens64:
        raise SystemExit("float32 and float64 generations differ; choose another seed")
    print(json.dumps({"input_ids": flat(INPUT_IDS), "attention_mask": flat(ATTENTION), "labels": flat(LABELS),
                      "loss": out.loss.item(), "logits": flat(out.logits), "grad": flat(grad),
                      "grad_shape": list(grad.shape), "greedy": tokens[0], "beam": tokens[1]}))
elif sys.argv[1] == "check":
    base = T5ForConditionalGeneration.from_pretrained(sys.argv[2])
    model = PeftModel.from_pretrained(base, sys.argv[3]).eval()
    with torch.no_grad():
        out = model(input_ids=INPUT_IDS, attention_mask=ATTENTION, labels=LABELS)
    print(json.dumps({"loss": out.loss.item(), "logits": flat(out.logits)}))
else:
    out_dir, tokenizer = sys.argv[2], sys.argv[3]
    torch.manual_seed(8)
    base = T5ForConditionalGeneration(tiny(vocab=32128))
    base.save_pretrained(f"{out_dir}/base")
    model = get_peft_model(base, PromptTuningConfig(task_type="SEQ_2_SEQ_LM", num_virtual_tokens=4,
                                                    prompt_tuning_init=PromptTuningInit.TEXT,
                                                    prompt_tuning_init_text=INIT_TEXT,
                                                    tokenizer_name_or_path=tokenizer))
    model.save_pretrained(f"{out_dir}/adapter")
    from transformers import AutoTokenizer
    ids = AutoTokenizer.from_pretrained(tokenizer)(INIT_TEXT)["input_ids"]
    print(json.dumps({"ids": ids, "text": INIT_TEXT}))
