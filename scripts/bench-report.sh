#!/usr/bin/env bash
# The issue-7 benchmark report in one command: lora4j (JMH) next to transformers + PEFT on the same
# workloads (a whole LoRA training step at the flan-t5-small/base/large shapes on real DialogSum batches,
# plus torch.compile as a second anchor; greedy and beam generation; the LoRA linear op; the tokenizer),
# each side of each workload in its own process, printed as one markdown table.
#
#   bash scripts/bench-report.sh [--quick] [--device cpu|cuda] [--threads N] [--only training,generation,...]
#                                [--shapes small,base] [--model-dropout P] [--lora-dropout P] [--dtype bfloat16]
#                                [--peft-autocast] [--docs | --no-docs] [--methods a,b,c] [--rounds N]
#
# --quick runs tiny iteration counts at the small shape only (a smoke test of every workload but the
# torch.compile anchor, whose compiling alone takes minutes; ~5 min here) and leaves docs/PERFORMANCE.md
# alone unless --docs is given. The full run (17 min on an idle 2-core machine) writes
# benchmarks/results/bench-report-<date>.json and the generated section of docs/PERFORMANCE.md (between
# the bench-report markers); runs with --only, --shapes, the dropout options or --dtype write
# bench-report-<date>-partial.json and leave the docs alone.
#
# --rounds N runs each training shape's two sides N times, alternating which side starts (ABBA), and reports
# the median over rounds (each round's ratio is in the row's label): on a shared VM one process can run 20-30 %
# slow for its whole life, which moves one round instead of the row.
#
# --dtype bfloat16 trains a bfloat16 base with float32 LoRA weights and AdamW state on both sides (PEFT:
# the base cast to bfloat16, adapters kept in float32); with --peft-autocast PEFT instead keeps float32
# weights and runs the forward under bfloat16 autocast (transformers' Trainer with bf16=True).
# --only methods (never part of the default run) measures one training step per PEFT method with lora4j's
# default options beside its reference library (PEFT, or AdapterHub adapters run by the AdapterHub venv's
# python), at the small shape (--shapes small,base,large for more); --methods picks a subset. qlora is LoRA
# over an NF4 double-quantized base, against PEFT + bitsandbytes (issue 18), with its memory targets.
# Per-workload logs and raw records go to benchmarks/target/bench-report/<timestamp>/.
# benchmarks/python/bench_report.py does the work; --help there lists every option (--render <json>
# re-prints a saved report without running anything).
#
# Environment:
#   LORA4J_LIBRARY  liblora4j.so to use, or its folder (default: build/native/liblora4j.so in this checkout)
#   SKIP_BUILD=1    reuse benchmarks/target/lora4j-benchmarks.jar as it is
#   LORA4J_BENCH_JVM_ARGS  extra JVM options for the lora4j side, e.g. -Dlora4j.paddingFree=false
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

requested_library=${LORA4J_LIBRARY:-}
prepare_benchmarks

run_command="bash scripts/bench-report.sh${*:+ $*}"
if [ -n "$requested_library" ]; then
  run_command="LORA4J_LIBRARY=$requested_library $run_command"
fi
if [ -n "${LORA4J_BENCH_JVM_ARGS:-}" ]; then
  run_command="LORA4J_BENCH_JVM_ARGS='$LORA4J_BENCH_JVM_ARGS' $run_command"
fi
ADAPTERHUB_PYTHON="$(adapterhub_venv_dir)/bin/python"
export JAVA="$JAVA_HOME/bin/java" JAR PYTHON LORA4J_LIBRARY ADAPTERHUB_PYTHON
exec "$PYTHON" "$LORA4J_ROOT/benchmarks/python/bench_report.py" --command "$run_command" "$@"
