"""For RougeTokenizerTest: how rouge-score's tokenizer treats every code point (surrogates excluded) in
context, between the letters "a" and "b". Prints "<decimal code point><TAB><tokens joined by space>" for
each code point whose result is not the plain separation ["a", "b"]: ASCII letters and digits join the
neighbours, and any character whose lowercase form contains ASCII shows how it splits.
"""
from rouge_score import tokenize

for cp in range(0x110000):
    if 0xD800 <= cp <= 0xDFFF:
        continue
    tokens = tokenize.tokenize("a" + chr(cp) + "b", None)
    if tokens != ["a", "b"]:
        print("%d\t%s" % (cp, " ".join(tokens)))
