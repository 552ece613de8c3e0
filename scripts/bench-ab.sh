#!/usr/bin/env bash
# A/B of one JVM system property over the whole CPU LoRA training step (LoraTrainingStepBenchmark, JMH),
# in ABBA order so that drift of the machine hits both values alike. The step sees the same batches in
# the same order in every run, so iteration i of one run and iteration i of another measure the same
# work: the summary compares the per-iteration times pairwise and the per-run totals.
#
#   PROPERTY=lora4j.paddingFree bash scripts/bench-ab.sh            # true against false
#   PROPERTY=lora4j.paddingFree SHAPES="small large" ROUNDS=2 bash scripts/bench-ab.sh
#   PROPERTY=env:LORA4J_CPU_GEMM VALUES="aten onednn" bash scripts/bench-ab.sh   # an environment variable
#
# PROPERTY=env:NAME compares two values of the environment variable NAME instead (JMH's fork inherits it),
# for choices the native library makes once per process.
#
# Environment: PROPERTY (required), VALUES (default "true false"), SHAPES (default small), ROUNDS (2),
# BATCH (8 for small/base, 4 for large), SOURCE (512) and TARGET (128) token limits, LORA_TARGETS (q,v; passed
# to JMH as q+v, since its -p splits at commas),
# WARMUP (1), ITERATIONS (5), THREADS (1), JVM_ARGS (more JVM options for both sides, e.g.
# -Dlora4j.bench.bucketFactor=1 for batches without length bucketing), AB_OUT (the folder for the raw JMH
# results, emptied first; default benchmarks/target/bench-ab).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
: "${PROPERTY:?set PROPERTY to the system property to compare, e.g. lora4j.paddingFree}"
prepare_benchmarks
read -r -a values <<< "${VALUES:-true false}"
[ "${#values[@]}" -eq 2 ] || { log "VALUES must hold exactly two values, got '${VALUES}'"; exit 1; }
SHAPES=${SHAPES:-small}
ROUNDS=${ROUNDS:-2}
OUT=${AB_OUT:-"$LORA4J_ROOT/benchmarks/target/bench-ab"}
rm -rf "$OUT" && mkdir -p "$OUT"
log "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; $PROPERTY: ${values[*]}"
for shape in $SHAPES; do
  batch=${BATCH:-$([ "$shape" = large ] && echo 4 || echo 8)}
  for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then order="${values[0]} ${values[1]}"; else order="${values[1]} ${values[0]}"; fi
    for value in $order; do
      file="$OUT/$shape-${value//\//_}-$round.json"  # a value may be a path
      log "$shape, batch $batch, $PROPERTY=$value, round $round"
      if [[ "$PROPERTY" == env:* ]]; then knob=(env "${PROPERTY#env:}=$value"); jvm_knob=""
      else knob=(env); jvm_knob="-D$PROPERTY=$value"; fi
      # shellcheck disable=SC2086 # LORA4J_JVM_OPTIONS (scripts/lib.sh) is a list of options
      GLIBC_TUNABLES="$LORA4J_GLIBC_TUNABLES" "${knob[@]}" "$JAVA_HOME/bin/java" $LORA4J_JVM_OPTIONS --enable-native-access=ALL-UNNAMED -jar "$JAR" LoraTrainingStepBenchmark.step \
        -f 1 -wi "${WARMUP:-1}" -i "${ITERATIONS:-5}" -p shape="$shape" -p threads="${THREADS:-1}" \
        -p batchSize="$batch" -p maxSourceLength="${SOURCE:-512}" -p maxTargetLength="${TARGET:-128}" \
        -p targets="$(tr , + <<< "${LORA_TARGETS:-q,v}")" \
        -jvmArgsAppend "$jvm_knob ${JVM_ARGS:-}" -rf json -rff "$file" > "$file.log" 2>&1 \
        || { tail -20 "$file.log"; exit 1; }
    done
  done
done
"$PYTHON" - "$OUT" "$PROPERTY" "${values[0]//\//_}" "${values[1]//\//_}" <<'PY'
import glob, json, os, sys
out, prop, a, b = sys.argv[1:]
runs = {}
for f in sorted(glob.glob(os.path.join(out, "*.json"))):
    shape, rest = os.path.basename(f)[:-5].split("-", 1)  # shape names have no "-"; values may
    value, _ = rest.rsplit("-", 1)
    data = json.load(open(f))[0]["primaryMetric"]["rawData"]
    runs.setdefault(shape, {}).setdefault(value, []).append([x for r in data for x in r])
print(f"| shape | {prop}={a}: s per run | {prop}={b}: s per run | {b} / {a} (totals) | iterations where {a} is faster |")
print("|---|---|---|---:|---:|")
for shape, r in runs.items():
    if a not in r or b not in r:
        continue
    ta = [sum(x) / 1000 for x in r[a]]
    tb = [sum(x) / 1000 for x in r[b]]
    wins = sum(1 for xa in r[a] for xb in r[b] for i in range(min(len(xa), len(xb))) if xa[i] < xb[i])
    pairs = sum(min(len(xa), len(xb)) for xa in r[a] for xb in r[b])
    print(f"| {shape} | {', '.join(f'{t:.1f}' for t in ta)} | {', '.join(f'{t:.1f}' for t in tb)} | "
          f"{sum(tb) / sum(ta):.3f} | {wins} of {pairs} |")
PY
