"""Reference token ids and decoded texts for the Java tokenizer parity tests.

Usage: python reference.py REQUEST.json

The request names a corpus (a file with one JSON string per line) and jobs. Each job runs one
Python tokenizer over every string of the corpus and writes a binary file the Java test reads:

    b"L4JT", int32 string_count, int32 decodes_per_string, then per string:
    int32 id_count, int32 ids[id_count], then decodes_per_string times: int32 byte_count, UTF-8 bytes

all little-endian. Ids are the tokenizer's encoding with special tokens; the decoded texts are
decodings of those reference ids (so decoding is checked independently of encoding).

Job kinds:
  tokenizers     tokenizers.Tokenizer.from_file(file): decode(skip_special_tokens=True), (False)
  sentencepiece  sentencepiece with T5's special tokens matched in the text, </s> appended:
                 sp.decode(ids without sentinels)
  transformers   transformers.T5Tokenizer.from_pretrained(dir): decode(skip=True), (skip=False)
                 with the directory's clean_up_tokenization_spaces
  byt5           transformers.ByT5Tokenizer(): decode(skip=True), (skip=False)
  byt5_decode    the corpus lines are id lists; ByT5Tokenizer().decode of each (skip=True), (skip=False)
  make_variant   not a reference: writes a modified tokenizer.json (see make_variant below)
  train_spm      not a reference: trains a small sentencepiece model (byte fallback, user symbols)
"""
import json
import os
import re
import struct
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def read_corpus(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_results(path, ids_list, decodes_list):
    per = len(decodes_list[0]) if decodes_list else 0
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(b"L4JT")
        f.write(struct.pack("<ii", len(ids_list), per))
        for ids, decodes in zip(ids_list, decodes_list):
            f.write(struct.pack("<i", len(ids)))
            f.write(struct.pack("<%di" % len(ids), *ids))
            for text in decodes:
                b = text.encode("utf-8")
                f.write(struct.pack("<i", len(b)))
                f.write(b)
    os.replace(tmp, path)


def run_tokenizers(job, texts):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(job["file"])
    ids_list = [e.ids for e in tok.encode_batch(texts)]
    dec_true = tok.decode_batch(ids_list, skip_special_tokens=True)
    dec_false = tok.decode_batch(ids_list, skip_special_tokens=False)
    return ids_list, [[a, b] for a, b in zip(dec_true, dec_false)]


def special_pattern(tokens):
    # Longest first, so the alternation finds the leftmost-longest special token.
    return re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))


def run_sentencepiece(job, texts):
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=job["file"])
    n = sp.get_piece_size()
    extra = job.get("extra_ids", 100)
    special_ids = {}
    for i in range(n):
        if sp.is_control(i) or sp.is_unknown(i):
            special_ids[sp.id_to_piece(i)] = i
    for k in range(extra):
        special_ids.setdefault("<extra_id_%d>" % k, n + extra - 1 - k)
    pattern = special_pattern(special_ids)
    eos = sp.piece_to_id("</s>")
    has_eos = sp.is_control(eos) and sp.id_to_piece(eos) == "</s>"
    ids_list, decodes = [], []
    for text in texts:
        ids = []
        pos = 0
        for m in pattern.finditer(text):
            if m.start() > pos:
                ids.extend(sp.encode(text[pos:m.start()]))
            ids.append(special_ids[m.group(0)])
            pos = m.end()
        if pos < len(text):
            ids.extend(sp.encode(text[pos:]))
        if has_eos:
            ids.append(eos)
        ids_list.append(ids)
        decodes.append([sp.decode([i for i in ids if i < n])])
    return ids_list, decodes


def run_transformers(job, texts):
    from transformers import T5Tokenizer
    tok = T5Tokenizer.from_pretrained(job["dir"])
    ids_list = tok(texts).input_ids
    dec_true = tok.batch_decode(ids_list, skip_special_tokens=True)
    dec_false = tok.batch_decode(ids_list, skip_special_tokens=False)
    return ids_list, [[a, b] for a, b in zip(dec_true, dec_false)]


def run_byt5(job, texts):
    import warnings
    from transformers import ByT5Tokenizer
    warnings.simplefilter("ignore")
    tok = ByT5Tokenizer(extra_ids=job.get("extra_ids", 125))
    ids_list = [tok(t).input_ids for t in texts]
    decodes = [[tok.decode(ids, skip_special_tokens=True), tok.decode(ids, skip_special_tokens=False)]
               for ids in ids_list]
    return ids_list, decodes


def run_byt5_decode(job, id_lists):
    import warnings
    from transformers import ByT5Tokenizer
    warnings.simplefilter("ignore")
    tok = ByT5Tokenizer(extra_ids=job.get("extra_ids", 125))
    decodes = [[tok.decode(ids, skip_special_tokens=True), tok.decode(ids, skip_special_tokens=False)]
               for ids in id_lists]
    return id_lists, decodes


def make_variant(job):
    """Writes job["base"] with parts replaced, to exercise pipeline components T5's files do not use."""
    with open(job["base"], encoding="utf-8") as f:
        spec = json.load(f)
    for key in ("normalizer", "pre_tokenizer", "decoder", "post_processor"):
        if key in job:
            # Java cannot put a null in its maps, so it sends {"__null__": true} for one.
            spec[key] = None if job[key] == {"__null__": True} else job[key]
    if job.get("keep_charsmap"):
        charsmap = None
        stack = [json.load(open(job["base"], encoding="utf-8"))["normalizer"]]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if node.get("type") == "Precompiled":
                    charsmap = node["precompiled_charsmap"]
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        text = json.dumps(spec["normalizer"]).replace('"@CHARSMAP@"', json.dumps(charsmap))
        spec["normalizer"] = json.loads(text)
    if job.get("byte_fallback"):
        vocab = spec["model"]["vocab"]
        for b in range(256):
            vocab.append(["<0x%02X>" % b, -50.0])
        spec["model"]["byte_fallback"] = True
    for token in spec.get("added_tokens", []):
        for flag in ("lstrip", "rstrip", "single_word", "normalized"):
            if flag in job.get("added_token_flags", {}):
                token[flag] = job["added_token_flags"][flag]
    with open(job["out"], "w", encoding="utf-8") as f:
        json.dump(spec, f, ensure_ascii=False)


def train_spm(job, texts):
    import sentencepiece as spm
    prefix = job["out"][: -len(".model")]
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_prefix=prefix, model_type="unigram",
        vocab_size=job.get("vocab_size", 400), byte_fallback=True, character_coverage=0.995,
        user_defined_symbols=job.get("user_defined_symbols", []), control_symbols=["<extra_ctl>"],
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, num_threads=1, minloglevel=2,
        normalization_rule_name=job.get("normalization", "nmt_nfkc"),
        add_dummy_prefix=job.get("add_dummy_prefix", True),
        remove_extra_whitespaces=job.get("remove_extra_whitespaces", True))


RUNNERS = {
    "tokenizers": run_tokenizers,
    "sentencepiece": run_sentencepiece,
    "transformers": run_transformers,
    "byt5": run_byt5,
    "byt5_decode": run_byt5_decode,
}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        request = json.load(f)
    texts = read_corpus(request["corpus"]) if request.get("corpus") else []
    for job in request["jobs"]:
        start = time.time()
        if job["kind"] == "make_variant":
            make_variant(job)
        elif job["kind"] == "train_spm":
            train_spm(job, texts)
        else:
            ids_list, decodes = RUNNERS[job["kind"]](job, texts)
            write_results(job["out"], ids_list, decodes)
        print("%s %s: %d strings in %.1f s" % (job["kind"], os.path.basename(job["out"]), len(texts),
                                               time.time() - start), flush=True)


if __name__ == "__main__":
    main()
