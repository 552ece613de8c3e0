#!/usr/bin/env bash
# Issue 13, item 5: the CPU LoRA training step with the grouped native call (q|k|v and wi_0|wi_1 adapters
# reading one input run as one call over their packed weights) against one call per layer, in one run.
#
#   bash scripts/bench-grouped.sh
#
# For each shape (SHAPES, default "small base") and targets (TARGETS, default "q,v all-linear") it runs
# LoraTrainingStepBenchmark with -Dlora4j.lora.grouped=true and =false in ABBA order (ROUNDS rounds,
# default 2; 2 warm-up and 5 measured steps per run), so slow drifts of the machine's load hit both alike,
# and prints the seconds per run and the ratio (false / true = per layer / grouped: above 1 means grouping
# is faster). Same batches, same seeds on both.
#
# Environment: LORA4J_LIBRARY, SKIP_BUILD=1 (as scripts/bench-report.sh); THREADS (default 2), BATCH
# (default 4), SOURCE (256), TARGET (64). The A/B itself is scripts/bench-ab.sh's, once per targets setting.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for targets in ${TARGETS:-q,v all-linear}; do
  log "targets $targets"
  PROPERTY=lora4j.lora.grouped VALUES="true false" SHAPES="${SHAPES:-small base}" ROUNDS="${ROUNDS:-2}" \
    THREADS="${THREADS:-2}" BATCH="${BATCH:-4}" SOURCE="${SOURCE:-256}" TARGET="${TARGET:-64}" \
    LORA_TARGETS="$targets" WARMUP=2 ITERATIONS=5 \
    AB_OUT="$LORA4J_ROOT/benchmarks/target/bench-grouped/${targets//,/_}" bash "$LORA4J_ROOT/scripts/bench-ab.sh"
done
