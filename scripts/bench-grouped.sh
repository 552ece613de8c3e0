#!/usr/bin/env bash
# Issue 13, item 5: the CPU LoRA training step with the grouped native call (q|k|v and wi_0|wi_1 adapters
# reading one input run as one call over their packed weights) against one call per layer, in one run.
#
#   bash scripts/bench-grouped.sh
#
# For each shape (SHAPES, default "small base") and targets (TARGETS, default "q,v all-linear") it runs
# LoraTrainingStepBenchmark with -Dlora4j.lora.grouped=true and =false in ABBA order (ROUNDS rounds,
# default 2), so slow drifts of the machine's load hit both alike, and prints the mean time per step and
# the ratio (per layer / grouped: above 1 means grouping is faster). Same batches, same seeds on both.
#
# Environment: LORA4J_LIBRARY, SKIP_BUILD=1 (as scripts/bench-report.sh); THREADS (default 2), BATCH
# (default 4), SOURCE (256), TARGET (64), JMH_ARGS (default "-wi 2 -i 5").
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
prepare_benchmarks
SHAPES=${SHAPES:-small base}
TARGETS=${TARGETS:-q,v all-linear}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}
OUT="$LORA4J_ROOT/benchmarks/target/bench-grouped"
mkdir -p "$OUT"
log "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; threads $THREADS"
for shape in $SHAPES; do
  for targets in $TARGETS; do
    for round in $(seq 1 "$ROUNDS"); do
      if [ $((round % 2)) -eq 1 ]; then order="true false"; else order="false true"; fi
      for grouped in $order; do
        file="$OUT/$shape-${targets//,/_}-$grouped-$round.json"
        log "$shape, targets $targets, grouped=$grouped, round $round"
        "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$JAR" LoraTrainingStepBenchmark.step \
          -f 1 ${JMH_ARGS:--wi 2 -i 5} -p shape="$shape" -p targets="$targets" -p threads="$THREADS" \
          -p batchSize="${BATCH:-4}" -p maxSourceLength="${SOURCE:-256}" -p maxTargetLength="${TARGET:-64}" \
          -jvmArgsAppend "-Dlora4j.lora.grouped=$grouped" -rf json -rff "$file" > "$file.log" 2>&1 \
          || { tail -20 "$file.log"; exit 1; }
      done
    done
  done
done
"$PYTHON" - "$OUT" <<'PY'
import glob, json, os, re, statistics, sys
out = sys.argv[1]
rows = {}
for f in sorted(glob.glob(os.path.join(out, "*.json"))):
    m = re.match(r"^(\w+)-(.+)-(true|false)-(\d+)$", os.path.basename(f)[:-5])
    shape, targets, grouped = m.group(1), m.group(2).replace("_", ","), m.group(3)
    data = json.load(open(f))[0]["primaryMetric"]["rawData"]
    rows.setdefault((shape, targets), {}).setdefault(grouped, []).extend(x for r in data for x in r)
# Medians: a spike of the shared machine's load (one step 10x the others) should not decide a row.
print("| shape | targets | per layer ms/step (median) | grouped ms/step (median) | per layer / grouped |")
print("|---|---|---:|---:|---:|")
for (shape, targets), r in sorted(rows.items()):
    if "true" in r and "false" in r:
        a, b = statistics.median(r["false"]), statistics.median(r["true"])
        print(f"| {shape} | {targets} | {a:.0f} | {b:.0f} | {a / b:.3f} |")
PY
