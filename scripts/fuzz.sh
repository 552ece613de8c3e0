#!/usr/bin/env bash
# Bounded fuzzing of every Jazzer fuzz target (docs/RELIABILITY.md): each target fuzzes for
# FuzzBudget.PER_TARGET in its own JVM (Jazzer fuzzes one target per run). A finding fails the run and
# Jazzer stores its input under lora-runtime/src/test/resources/<package>/<Class>Inputs/<method>/, where
# every later test run replays it: commit it with the fix. Expects the test classes to be compiled
# (scripts/test.sh runs this after the Java tests); pass a target (Class#method) to fuzz only that one.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$LORA4J_ROOT"
find_java_home >/dev/null
TARGETS=(
  SafetensorsHeaderFuzzTest#header
  TokenizerFilesFuzzTest#tokenizerJson
  TokenizerFilesFuzzTest#sentencePieceModel
  AdapterConfigFuzzTest#adapterConfig
  DataReadersFuzzTest#jsonl
  DataReadersFuzzTest#csv
  DataReadersFuzzTest#jsonArray
)
[ $# -gt 0 ] && TARGETS=("$@")
for target in "${TARGETS[@]}"; do
  log "fuzzing $target"
  JAZZER_FUZZ=1 ./mvnw -q -B -ntp -o -pl lora-runtime surefire:test -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false \
    > "lora-runtime/target/fuzz-${target//#/-}.log" 2>&1 \
    || { tail -50 "lora-runtime/target/fuzz-${target//#/-}.log" >&2; log "finding in $target (log: lora-runtime/target/fuzz-${target//#/-}.log)"; exit 1; }
done
log "fuzzing found nothing"
