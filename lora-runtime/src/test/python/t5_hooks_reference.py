"""transformers side of T5HooksParityTest: what each T5 hook point of lora4j must reproduce, written
the way a transformers user would get the same effect without lora4j.

<dir> receives base/ (a tiny random FLAN-shaped T5, save_pretrained), toy adapter directories
(prompt/, prefix/, sublayer/: adapter_config.json + adapter_model.safetensors with the toy tensors), and
prints JSON with the inputs and, per toy, transformers' loss, logits, greedy and beam-3 token ids:

- prompt:   P rows prepended to the encoder's inputs_embeds, attention mask extended with ones;
- prefix:   decoder self-attention past_key_values of P positions per layer (EncoderDecoderCache with an
            empty cross-attention cache), injected for generate() at the first iteration as PEFT does;
- sublayer: a forward hook on every DenseReluDense adding gain * tanh(its normed input) to its output.

Every generation is re-run in float64 and the script fails if the tokens differ, so no compared token
hinges on float32 rounding.
"""
import json
import sys

import torch
from safetensors.torch import save_file
from transformers import T5Config, T5ForConditionalGeneration
from transformers.cache_utils import DynamicCache, EncoderDecoderCache

INPUT_IDS = torch.tensor([[5, 17, 9, 33, 2, 41, 1], [8, 3, 60, 1, 0, 0, 0]])
ATTENTION = (INPUT_IDS != 0).long()
ATTENTION[0, :] = 1
LABELS = torch.tensor([[12, 7, 30, 1, -100], [4, 44, 1, -100, -100]])
P_PROMPT, P_PREFIX, GAIN = 3, 2, 0.75
GENERATE = [dict(max_new_tokens=8), dict(max_new_tokens=8, num_beams=3, length_penalty=1.0, early_stopping=True)]


def flat(t):
    return t.detach().double().flatten().tolist()


def write_adapter(path, peft_type, tensors):
    import os
    os.makedirs(path, exist_ok=True)
    with open(f"{path}/adapter_config.json", "w") as f:
        json.dump({"peft_type": peft_type}, f)
    save_file({k: v.contiguous() for k, v in tensors.items()}, f"{path}/adapter_model.safetensors")


out_dir = sys.argv[1]
torch.manual_seed(5)
config = T5Config(vocab_size=64, d_model=16, d_kv=4, d_ff=32, num_layers=2, num_decoder_layers=2, num_heads=2,
                  feed_forward_proj="gated-gelu", tie_word_embeddings=False, decoder_start_token_id=0,
                  pad_token_id=0, eos_token_id=1, dropout_rate=0.1)
base = T5ForConditionalGeneration(config)
with torch.no_grad():
    base.lm_head.weight[1] *= 3.0  # EOS likelier: sequences end at different steps, padding logic runs
base.save_pretrained(f"{out_dir}/base")
base.eval()
H, DKV, L = config.num_heads, config.d_kv, config.num_decoder_layers
prompt = torch.randn(P_PROMPT, config.d_model)
prefix_k = torch.randn(L, H, P_PREFIX, DKV)
prefix_v = torch.randn(L, H, P_PREFIX, DKV)
write_adapter(f"{out_dir}/prompt", "TOY_PROMPT", {"prompt": prompt})
write_adapter(f"{out_dir}/prefix", "TOY_PREFIX", {"prefix_keys": prefix_k, "prefix_values": prefix_v})
write_adapter(f"{out_dir}/sublayer", "TOY_SUBLAYER", {"gain": torch.tensor([GAIN])})


def prompt_inputs(model, dtype):
    embeds = model.shared(INPUT_IDS)
    rows = INPUT_IDS.shape[0]
    embeds = torch.cat([prompt.to(dtype).unsqueeze(0).expand(rows, -1, -1), embeds], dim=1)
    mask = torch.cat([torch.ones(rows, P_PROMPT, dtype=ATTENTION.dtype), ATTENTION], dim=1)
    return dict(inputs_embeds=embeds, attention_mask=mask)


def prefix_cache(rows, dtype):
    layers = [(prefix_k[l].to(dtype).unsqueeze(0).expand(rows, -1, -1, -1).contiguous(),
               prefix_v[l].to(dtype).unsqueeze(0).expand(rows, -1, -1, -1).contiguous()) for l in range(L)]
    self_cache = DynamicCache()
    for l, (k, v) in enumerate(layers):
        self_cache.update(k, v, l)
    return EncoderDecoderCache(self_cache, DynamicCache())


def run_case(model, case, dtype):
    """(loss, logits, [token ids per generate setting]) with the toy applied."""
    handles = []
    if case == "sublayer":
        for stack in (model.encoder, model.decoder):
            for block in stack.block:
                ff = block.layer[-1].DenseReluDense
                handles.append(ff.register_forward_hook(lambda m, i, o: o + GAIN * torch.tanh(i[0])))
    original_prepare = model.prepare_inputs_for_generation
    if case == "prefix":
        def prepare(*args, **kwargs):
            inputs = original_prepare(*args, **kwargs)
            cache = inputs.get("past_key_values")
            if cache is None or cache.get_seq_length() == 0:
                inputs["past_key_values"] = prefix_cache(inputs["decoder_input_ids"].shape[0], dtype)
            return inputs
        model.prepare_inputs_for_generation = prepare
    try:
        with torch.no_grad():
            if case == "prompt":
                kwargs = prompt_inputs(model, dtype)
            else:
                kwargs = dict(input_ids=INPUT_IDS, attention_mask=ATTENTION)
            forward = dict(kwargs)
            if case == "prefix":
                forward["past_key_values"] = prefix_cache(INPUT_IDS.shape[0], dtype)
            out = model(**forward, labels=LABELS)
            tokens = [model.generate(**kwargs, **g, do_sample=False) for g in GENERATE]
        return out.loss, out.logits, tokens
    finally:
        for h in handles:
            h.remove()
        model.prepare_inputs_for_generation = original_prepare


result = {"input_ids": flat(INPUT_IDS), "attention_mask": flat(ATTENTION), "labels": flat(LABELS),
          "p_prompt": P_PROMPT, "p_prefix": P_PREFIX, "cases": {}}
model64 = T5ForConditionalGeneration.from_pretrained(f"{out_dir}/base", torch_dtype=torch.float64).eval()
for case in ("none", "prompt", "prefix", "sublayer"):
    loss, logits, tokens = run_case(base, case, torch.float32)
    _, _, tokens64 = run_case(model64, case, torch.float64)
    for t32, t64, g in zip(tokens, tokens64, GENERATE):
        if not torch.equal(t32, t64):
            raise SystemExit(f"{case} {g}: float32 and float64 generations differ; choose another seed")
    result["cases"][case] = {"loss": loss.item(), "logits": flat(logits), "logits_shape": list(logits.shape),
                             "greedy": tokens[0].tolist(), "beam": tokens[1].tolist()}
print(json.dumps(result))
