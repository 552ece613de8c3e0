"""Reference ROUGE scores from Google's rouge-score 0.1.2, for RougeParityTest.

Reads cases as JSON Lines ({"group": str, "refs": [str, ...], "pred": str}) from argv[1] and prints one
JSON line per case: {"plain": {type: [p, r, f]}, "stem": {...}}. One reference uses score(), several use
score_multi(). Then one line {"means": {group: {"plain": {type: [p, r, f]}, "stem": ...}}} with the
per-group means computed as sum(values) / len(values), summed left to right in case order.
Floats are printed with repr, which round-trips doubles exactly.
"""
import json
import sys

from rouge_score import rouge_scorer

TYPES = ["rouge1", "rouge2", "rouge3", "rougeL", "rougeLsum"]
SCORERS = {
    "plain": rouge_scorer.RougeScorer(TYPES, use_stemmer=False),
    "stem": rouge_scorer.RougeScorer(TYPES, use_stemmer=True),
}


def scores_of(scorer, refs, pred):
    result = scorer.score(refs[0], pred) if len(refs) == 1 else scorer.score_multi(refs, pred)
    return {t: [result[t].precision, result[t].recall, result[t].fmeasure] for t in TYPES}


def main():
    per_group = {}
    with open(sys.argv[1], encoding="utf-8") as cases:
        for line in cases:
            case = json.loads(line)
            out = {name: scores_of(scorer, case["refs"], case["pred"]) for name, scorer in SCORERS.items()}
            per_group.setdefault(case["group"], []).append(out)
            print(json.dumps(out))
    means = {}
    for group, outs in per_group.items():
        means[group] = {}
        for name in SCORERS:
            means[group][name] = {
                t: [sum(o[name][t][k] for o in outs) / len(outs) for k in range(3)] for t in TYPES
            }
    print(json.dumps({"means": means}))


if __name__ == "__main__":
    main()
