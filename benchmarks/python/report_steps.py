"""Per-step view of saved training reports (bench-report-*.json), for comparing reports run one after another.

A report's rows give tokens/s over all measured steps. Reports from different commits may measure
different batches (flan-t5-large measured two short batches before 2026-12-07 and four batches since), so
this prints each measured step on both sides and, with --max-tokens, the ratio over the steps of at most
that many tokens: the batches every report measures.

    python benchmarks/python/report_steps.py [--max-tokens 600] REPORT.json [REPORT.json ...]
"""
import argparse
import json
import sys


def measured_steps(side_record, side):
    """{tokens: step record} of one side's measured (non-warm-up) steps."""
    record = side_record["record"]
    steps = record["calls"] if side == "lora4j" else record["steps"]
    return {step["tokens"]: step for step in steps if not step.get("warmup")}


def describe(path, report, max_tokens):
    machine = report.get("machine", {})
    print(f"== {path}: {report['date']}, {machine.get('Model name', '?')}")
    for training in report["details"]["training"]:
        shape = training["shape"]
        ours = measured_steps(training["lora4j"], "lora4j")
        theirs = measured_steps(training["peft"], "peft")
        # This run's own numbers (a report made with --rounds has one entry per round and one median row).
        speed = training["lora4j"]["tokens_per_s"] / training["peft"]["tokens_per_s"]
        ours_rss, theirs_rss = training["lora4j"]["peak_rss_bytes"], training["peft"]["peak_rss_bytes"]
        name = shape + (f" (round {training['round']})" if "round" in training else "")
        print(f"  {name}: ratio {speed:.2f}, peak RSS {ours_rss / 2**20:,.0f} / {theirs_rss / 2**20:,.0f} MiB "
              f"({ours_rss / theirs_rss:.2f})")
        common = sorted(set(ours) & set(theirs))
        for tokens in common:
            a, b = ours[tokens], theirs[tokens]
            print(f"    {tokens:5d} tokens: lora4j {a['forward_ns'] / 1e9:6.2f} + {a['backward_ns'] / 1e9:6.2f} s, "
                  f"PEFT {b['forward_ns'] / 1e9:6.2f} + {b['backward_ns'] / 1e9:6.2f} s, "
                  f"ratio {b['wall_ns'] / a['wall_ns']:.2f}")
        if max_tokens is not None:
            chosen = [t for t in common if t <= max_tokens]
            if chosen:
                ratio = sum(theirs[t]["wall_ns"] for t in chosen) / sum(ours[t]["wall_ns"] for t in chosen)
                print(f"    steps of at most {max_tokens} tokens {chosen}: ratio {ratio:.2f}")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", help="bench-report JSON files with training rows")
    parser.add_argument("--max-tokens", type=int, help="also give the ratio over the steps of at most this many tokens")
    args = parser.parse_args(argv)
    for path in args.reports:
        try:
            with open(path) as f:
                report = json.load(f)
        except OSError as error:
            sys.exit(f"report_steps: cannot read {path}: {error.strerror}")
        except ValueError as error:
            sys.exit(f"report_steps: {path} is not JSON: {error}")
        try:
            describe(path, report, args.max_tokens)
        except KeyError as error:
            sys.exit(f"report_steps: {path}: not a training report with per-step records (it has no {error})")
        except (AttributeError, TypeError, ZeroDivisionError):
            sys.exit(f"report_steps: {path}: not a training report with per-step records")


if __name__ == "__main__":
    main(sys.argv[1:])
