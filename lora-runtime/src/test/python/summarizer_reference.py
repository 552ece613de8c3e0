"""Reference for SummarizerParityTest: what a transformers user does to summarize and score a test set.

Usage: summarizer_reference.py OUT_DIR TOKENIZER_DIR
Reads OUT_DIR/examples.json ([{"dialogue", "summaries": [...]}, ...]) and OUT_DIR/settings.json
({"template", "max_source_length", "max_new_tokens", "batch_size", "num_beams"}), builds a small random
FLAN-shaped T5 (seed 0), saves it to OUT_DIR/model, summarizes in batches in file order with padding and
truncation, decodes with skip_special_tokens=True, scores with rouge_score (score_multi, stemming on),
and writes OUT_DIR/reference.json {"predictions": [...], "rouge": {type: mean F}}.
"""
import json
import sys
from pathlib import Path

import torch
from rouge_score import rouge_scorer
from transformers import AutoTokenizer, T5Config, T5ForConditionalGeneration


def main():
    out, tokenizer_dir = Path(sys.argv[1]), sys.argv[2]
    examples = json.loads((out / "examples.json").read_text())
    settings = json.loads((out / "settings.json").read_text())
    torch.manual_seed(0)
    config = T5Config(vocab_size=32128, d_model=64, d_kv=16, d_ff=128, num_layers=2, num_decoder_layers=2,
                      num_heads=4, feed_forward_proj="gated-gelu", tie_word_embeddings=False,
                      decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    model = T5ForConditionalGeneration(config).eval()
    model.save_pretrained(out / "model", safe_serialization=True)
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)

    sources = [settings["template"].replace("{dialogue}", e["dialogue"]) for e in examples]
    predictions = []
    batch = settings["batch_size"]
    with torch.no_grad():
        for start in range(0, len(sources), batch):
            enc = tokenizer(sources[start:start + batch], padding=True, truncation=True,
                            max_length=settings["max_source_length"], return_tensors="pt")
            ids = model.generate(**enc, max_new_tokens=settings["max_new_tokens"], num_beams=settings["num_beams"],
                                 do_sample=False)
            predictions.extend(tokenizer.batch_decode(ids, skip_special_tokens=True))

    types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
    scorer = rouge_scorer.RougeScorer(types, use_stemmer=True)
    sums = {t: 0.0 for t in types}
    for e, p in zip(examples, predictions):
        scores = scorer.score_multi(e["summaries"], p)
        for t in types:
            sums[t] += scores[t].fmeasure
    rouge = {t: sums[t] / len(predictions) for t in types}
    (out / "reference.json").write_text(json.dumps({"predictions": predictions, "rouge": rouge}))
    print(json.dumps({"examples": len(predictions)}))


if __name__ == "__main__":
    main()
