#!/usr/bin/env bash
# T5 throughput (issue 4): JMH's T5Benchmark next to the same workloads in transformers (eager PyTorch),
# as one table of tokens/s and the ratio.
#
#   scripts/bench-t5.sh
#
# Builds the benchmarks jar (not the native library: run scripts/build-native.sh first), runs JMH with a
# short configuration, runs benchmarks/python/t5_bench.py with the pinned venv's python on the same
# shape and thread count, and prints a markdown table. Results go to benchmarks/results/: t5-jmh.json,
# t5-python.json and t5.md (the table).
#
# Environment:
#   LORA4J_LIBRARY  liblora4j.so to use (default: build/native/liblora4j.so in this checkout)
#   THREADS         intra-op threads for libtorch on both sides (default 1: on a shared machine, more
#                   threads than idle cores make OpenMP wait on descheduled threads and the numbers noise)
#   BATCH, SOURCE_LEN, TARGET_LEN   the batch (default 4 x 128 source tokens, 32 target tokens)
#   JMH_ARGS        JMH options (default: -f 1 -wi 2 -w 3s -i 3 -r 3s)
#   PY_WARMUP, PY_ROUNDS            runs before timing and timed runs on the Python side (2, 5)
#   SKIP_BUILD=1    reuse benchmarks/target/lora4j-benchmarks.jar as it is
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

prepare_benchmarks

THREADS=${THREADS:-1}
BATCH=${BATCH:-4}
SOURCE_LEN=${SOURCE_LEN:-128}
TARGET_LEN=${TARGET_LEN:-32}
RESULTS="$LORA4J_ROOT/benchmarks/results"
mkdir -p "$RESULTS"
JMH_JSON="$RESULTS/t5-jmh.json"
PY_JSON="$RESULTS/t5-python.json"
TABLE="$RESULTS/t5.md"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

read -r -a jmh_args <<<"${JMH_ARGS:--f 1 -wi 2 -w 3s -i 3 -r 3s}"
log "JMH: T5Benchmark ${jmh_args[*]}, batch $BATCH x ($SOURCE_LEN + $TARGET_LEN), $THREADS thread(s)"
java --enable-native-access=ALL-UNNAMED -Dlora4j.library.path="$LIB" -jar "$JAR" T5Benchmark "${jmh_args[@]}" \
  -p batch="$BATCH" -p sourceLength="$SOURCE_LEN" -p targetLength="$TARGET_LEN" \
  -jvmArgsAppend "-Dlora4j.bench.threads=$THREADS -Dlora4j.library.path=$LIB" -rf json -rff "$JMH_JSON"

log "transformers eager: $PYTHON benchmarks/python/t5_bench.py"
"$PYTHON" benchmarks/python/t5_bench.py --batch "$BATCH" --source-len "$SOURCE_LEN" --target-len "$TARGET_LEN" \
  --threads "$THREADS" --warmup "${PY_WARMUP:-2}" --rounds "${PY_ROUNDS:-5}" --json "$PY_JSON"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

java_version=$(java -version 2>&1 | head -1)
"$PYTHON" - "$JMH_JSON" "$PY_JSON" "$TABLE" "$java_version" "$LOAD_BEFORE" "$LOAD_AFTER" <<'PY'
import json, sys

jmh_path, py_path, table_path, java_version, load_before, load_after = sys.argv[1:7]
jmh = {r["benchmark"].rsplit(".", 1)[-1]: r for r in json.load(open(jmh_path))}
py = json.load(open(py_path))
tokens = py["shape"]["tokens"]

rows = [("forward (eval, no grad, + loss)", "forward", "forward"),
        ("forward + backward (train, dropout 0.1)", "forwardBackward", "forward_backward")]
lines = [
    "| workload | lora4j ms/step (wall) | transformers ms/step (wall) | wall speed-up | lora4j CPU ms/step | "
    "transformers CPU ms/step | CPU speed-up | lora4j tokens/s | transformers tokens/s |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
]
for label, method, pyname in rows:
    r = jmh[method]
    m = r["primaryMetric"]
    best = min(float(x) for fork in m["rawData"] for x in fork)
    java_ms = float(m["score"])
    sec = r.get("secondaryMetrics", {})
    java_cpu_ms = float(sec["cpuNanos"]["score"]) / float(sec["calls"]["score"]) / 1e6
    p = py["workloads"][pyname]
    py_ms, py_cpu_ms = p["median_s"] * 1000, p["cpu_median_s"] * 1000
    lines.append(f"| {label} | {java_ms:.0f} (best {best:.0f}) | {py_ms:.0f} (best {p['min_s'] * 1000:.0f}) | "
                 f"{py_ms / java_ms:.2f} | {java_cpu_ms:.0f} | {py_cpu_ms:.0f} | {py_cpu_ms / java_cpu_ms:.2f} | "
                 f"{tokens / java_ms * 1000:.0f} | {tokens / py_ms * 1000:.0f} |")

any_r = next(iter(jmh.values()))
meta, shape = py["meta"], py["shape"]
lines += [
    "",
    f"flan-t5-small shape, random weights, float32, CPU; batch {shape['batch']} x ({shape['source_len']} source + "
    f"{shape['target_len']} target tokens) = {tokens} tokens per step, last row padded to half length.",
    f"lora4j: JMH mean of {any_r['measurementIterations']} iterations of {any_r['measurementTime']} "
    f"(warmup {any_r['warmupIterations']} x {any_r['warmupTime']}); CPU = the benchmark thread's CPU time per "
    f"step; {java_version}; libtorch threads {meta['torch_threads']}.",
    f"transformers {meta['transformers']} ({meta['attn_implementation']} attention), torch {meta['torch']}, Python "
    f"{meta['python']}: median of {py['workloads']['forward']['rounds']} runs (CPU = process CPU time); torch "
    f"threads {meta['torch_threads']}. Speed-up = transformers time / lora4j time; tokens/s from wall time.",
    f"CPU: {meta['cpu']} ({meta['cpus']} CPUs); load average before / after: {load_before} / {load_after}; {meta['date']}.",
]
text = "\n".join(lines)
print()
print(text)
with open(table_path, "w") as f:
    f.write(text + "\n")
PY
log "results: $JMH_JSON, $PY_JSON, $TABLE"
