"""Reference stems from nltk's PorterStemmer (the default NLTK_EXTENSIONS mode rouge-score uses).

argv[1:] are text files (DialogSum JSONL, SAMSum JSON). Every string value in them is tokenized with
rouge-score's tokenizer *without* stemming; prints each distinct token once, sorted, as "token<TAB>stem".
The stem is nltk's for every token, including those of 3 characters or fewer that rouge-score itself
never stems, so the stemmer is checked on its own.
"""
import json
import sys

from nltk.stem import porter
from rouge_score import tokenize


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def main():
    tokens = set()
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            if path.endswith(".jsonl"):
                rows = [json.loads(line) for line in f if line.strip()]
            else:
                rows = json.load(f)
        for text in strings_in(rows):
            tokens.update(tokenize.tokenize(text, None))
    stemmer = porter.PorterStemmer()
    for token in sorted(tokens):
        print(token + "\t" + stemmer.stem(token))


if __name__ == "__main__":
    main()
