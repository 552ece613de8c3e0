#!/usr/bin/env bash
# Op overhead (issue 2): JMH's OpOverheadBenchmark next to the same ops in PyTorch eager, as one table.
#
#   scripts/bench-ops.sh
#
# Builds the benchmarks jar (not the native library: run scripts/build-native.sh first), runs JMH with a
# short configuration, runs benchmarks/python/op_overhead.py with the pinned venv's python, and prints a
# markdown table. Results go to benchmarks/results/: op-overhead-jmh.json, op-overhead-python.json and
# op-overhead.md (the table).
#
# Environment:
#   LORA4J_LIBRARY  liblora4j.so to use (default: build/native/liblora4j.so in this checkout)
#   JMH_ARGS        JMH options (default: -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc; the gc profiler gives the
#                   Java heap bytes allocated per op); e.g. JMH_ARGS="-f 3 -wi 5 -i 10 -prof gc" for
#                   steadier numbers
#   JMH_FILTER      benchmark regex (default: OpOverheadBenchmark)
#   PY_REPEAT, PY_ROUND_MS  rounds per workload and target round length for the Python side (30, 100)
#   SKIP_BUILD=1    reuse benchmarks/target/lora4j-benchmarks.jar as it is
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

prepare_benchmarks

RESULTS="$LORA4J_ROOT/benchmarks/results"
mkdir -p "$RESULTS"
JMH_JSON="$RESULTS/op-overhead-jmh.json"
PY_JSON="$RESULTS/op-overhead-python.json"
TABLE="$RESULTS/op-overhead.md"

read -r -a jmh_args <<<"${JMH_ARGS:--f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc}"
log "JMH: ${JMH_FILTER:-OpOverheadBenchmark} ${jmh_args[*]}"
java --enable-native-access=ALL-UNNAMED -Dlora4j.library.path="$LIB" -jar "$JAR" \
  "${JMH_FILTER:-OpOverheadBenchmark}" "${jmh_args[@]}" -rf json -rff "$JMH_JSON"

log "PyTorch eager: $PYTHON benchmarks/python/op_overhead.py"
"$PYTHON" benchmarks/python/op_overhead.py --json "$PY_JSON"

java_version=$(java -version 2>&1 | head -1)
"$PYTHON" - "$JMH_JSON" "$PY_JSON" "$TABLE" "$java_version" <<'EOF'
import json, math, sys

jmh_path, py_path, table_path, java_version = sys.argv[1:5]
jmh = {r["benchmark"].rsplit(".", 1)[-1]: r for r in json.load(open(jmh_path))}
py = json.load(open(py_path))
pyw = py["workloads"]

# (workload, JMH method, PyTorch workload or None)
rows = [
    ("floor: critical downcall `l4j_abi_version()` / Python call `f()`", "bareDowncall", "py_call"),
    ("non-critical downcall `l4j_get_num_threads(out)`", "bareDowncallWithTransition", None),
    ("shape query `a.numel()`", "numel", "numel"),
    ("Cleaner register + clean (Java only, no native call)", "cleanerRegisterAndClean", None),
    ("add 1-elem, raw bindings: `l4j_tensor_add` + `l4j_tensor_free`", "add1RawBindings", "add_1"),
    ("add 1-elem: `a.add(b)` + `close()` / `a + b`", "add1", "add_1"),
    ("add 1-elem in a `Scope` / `a + b`", "add1InScope", "add_1"),
    ("add 64x64: `a.add(b)` + `close()` / `a + b`", "add64x64", "add_64x64"),
]

def fmt(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"

lines = [
    "| workload | lora4j ns/op | PyTorch eager ns/op | ratio (PyTorch / lora4j) | lora4j Java heap B/op |",
    "|---|---:|---:|---:|---:|",
]
for label, method, pyname in rows:
    r = jmh.get(method)
    if r is None:
        continue
    m = r["primaryMetric"]
    score, err = float(m["score"]), float(m.get("scoreError") or "nan")  # JMH writes "NaN" as a string
    best = min(float(x) for fork in m.get("rawData", [[score]]) for x in fork)  # best iteration
    j = fmt(score) + ("" if math.isnan(err) else f" ± {fmt(err)}") + f" (best {fmt(best)})"
    gc = r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
    alloc = f"{float(gc['score']):.0f}" if gc else "—"
    if pyname:
        p = pyw[pyname]
        pcell = f"{fmt(p['median_ns'])} (min {fmt(p['min_ns'])})"
        ratio = f"{p['median_ns'] / score:.2f} (best/best {p['min_ns'] / best:.2f})"
    else:
        pcell, ratio = "—", "—"
    lines.append(f"| {label} | {j} | {pcell} | {ratio} | {alloc} |")

any_r = next(iter(jmh.values()))
meta = py["meta"]
lines += [
    "",
    f"lora4j: JMH score (mean of {any_r['measurementIterations']} iterations of {any_r['measurementTime']}, "
    f"{any_r['forks']} fork(s), warmup {any_r['warmupIterations']} x {any_r['warmupTime']}) ± 99.9% CI; "
    f"best = fastest iteration; {java_version}; libtorch threads 1.",
    f"PyTorch: median over {next(iter(pyw.values()))['repeat']} timeit rounds (min in brackets); "
    f"torch {meta['torch']}, Python {meta['python']}, torch threads {meta['torch_threads']}.",
    f"CPU: {meta['cpu']} ({meta['cpus']} CPUs); {meta['date']}.",
]
text = "\n".join(lines)
print()
print(text)
with open(table_path, "w") as f:
    f.write(text + "\n")
EOF
log "results: $JMH_JSON, $PY_JSON, $TABLE"
