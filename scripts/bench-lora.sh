#!/usr/bin/env bash
# LoRA linear (issue 3): JMH's LoraLinearBenchmark next to PEFT's LoRA Linear in PyTorch eager, as one
# ratio table.
#
#   scripts/bench-lora.sh
#
# Builds the benchmarks jar (not the native library: run scripts/build-native.sh first). For every
# configuration it runs both sides in alternation, ROUNDS times, in ABBA order (round 1 lora4j then
# PEFT, round 2 PEFT then lora4j, ...), so slow drifts in the load of a shared machine hit both sides
# alike; the samples of all rounds are pooled per side. Prints a markdown table. Results go to
# benchmarks/results/: lora-linear-jmh.json (every JMH run, tagged with its round), lora-linear-python.json
# and lora-linear.md (the table).
#
# The full grid of issue 3 (d = 768, 1024; tokens = 4096, 8192, 16384; r = 8, 16, 64; p = 0, 0.05: 36
# configurations) takes hours on a small CPU; by default this runs a CPU subset of 5 configurations
# (about 15 minutes with 2 rounds on a loaded 2-core VM, 1 thread).
#
# Environment:
#   LORA4J_LIBRARY  liblora4j.so to use (default: build/native/liblora4j.so in this checkout)
#   CONFIGS         space-separated d,tokens,r,p (default: the CPU subset below; "full" with DEVICE=cuda),
#                   or "full" for the grid
#   DEVICE          cpu (default), or cuda for the GPU grid (needs a liblora4j built with CUDA, e.g. by
#                   scripts/gpu-check.sh): both sides synchronize after every call
#   THREADS         intra-op threads on both sides (default 1)
#   ROUNDS          alternating runs per configuration and side (default 2)
#   JMH_ARGS        JMH options per run (default: -f 1 -wi 2 -w 2s -i 5 -r 2s)
#   PY_REPEAT, PY_ROUND_MS, PY_WARMUP_MS  rounds, round length and warm-up for the PEFT side (5, 2000,
#                   4000: the same sampling as the JMH default)
#   RESULTS_NAME    base name of the three result files (default lora-linear), so a run of other
#                   configurations does not overwrite the committed table
#   SKIP_BUILD=1    reuse benchmarks/target/lora4j-benchmarks.jar as it is
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

prepare_benchmarks

CPU_SUBSET="768,4096,8,0 768,4096,8,0.05 768,4096,64,0 768,4096,64,0.05 1024,4096,16,0.05"
DEVICE=${DEVICE:-cpu}
if [ "$DEVICE" = cpu ]; then CONFIGS=${CONFIGS:-$CPU_SUBSET}; else CONFIGS=${CONFIGS:-full}; fi
if [ "$CONFIGS" = full ]; then
  CONFIGS=""
  for d in 768 1024; do for n in 4096 8192 16384; do for r in 8 16 64; do for p in 0 0.05; do
    CONFIGS+="$d,$n,$r,$p "
  done; done; done; done
fi
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-2}
read -r -a jmh_args <<<"${JMH_ARGS:--f 1 -wi 2 -w 2s -i 5 -r 2s}"
export PY_REPEAT=${PY_REPEAT:-5} PY_ROUND_MS=${PY_ROUND_MS:-2000} PY_WARMUP_MS=${PY_WARMUP_MS:-4000}

RESULTS="$LORA4J_ROOT/benchmarks/results"
RESULTS_NAME=${RESULTS_NAME:-lora-linear}
mkdir -p "$RESULTS"
RUNS=$(mktemp -d)
trap 'rm -rf "$RUNS"' EXIT

run_jmh() {  # config round
  local d n r p
  IFS=, read -r d n r p <<<"$1"
  log "round $2, lora4j: d=$d tokens=$n r=$r p=$p threads=$THREADS device=$DEVICE"
  # jmh.ignoreLock: JMH refuses to start while another JMH holds /tmp/jmh.lock; on a machine shared with
  # other jobs they disturb this run anyway, lock or not, and the alternation is what controls for it.
  java --enable-native-access=ALL-UNNAMED -Djmh.ignoreLock=true -Dlora4j.library.path="$LIB" -jar "$JAR" LoraLinearBenchmark \
    -p d="$d" -p tokens="$n" -p r="$r" -p p="$p" -p threads="$THREADS" -p device="$DEVICE" "${jmh_args[@]}" \
    -rf json -rff "$RUNS/jmh-$1-$2.json" >"$RUNS/jmh-$1-$2.log" 2>&1 \
    || { cat "$RUNS/jmh-$1-$2.log" >&2; exit 1; }
  grep -E '^LoraLinearBenchmark\.' "$RUNS/jmh-$1-$2.log" >&2 || true
}

run_peft() {  # config round
  log "round $2, PEFT: $1 threads=$THREADS device=$DEVICE"
  "$PYTHON" benchmarks/python/lora_linear_bench.py --config "$1" --threads "$THREADS" --device "$DEVICE" \
    --json "$RUNS/py-$1-$2.json"
}

start=$(date +%s)
for config in $CONFIGS; do
  for ((round = 1; round <= ROUNDS; round++)); do
    if ((round % 2)); then run_jmh "$config" "$round"; run_peft "$config" "$round"
    else run_peft "$config" "$round"; run_jmh "$config" "$round"; fi
  done
done
log "measured in $(($(date +%s) - start)) s"

java_version=$(java -version 2>&1 | head -1)
"$PYTHON" - "$RUNS" "$RESULTS" "$java_version" "$THREADS" "$ROUNDS" "$CONFIGS" "$DEVICE" "$RESULTS_NAME" <<'EOF'
import glob, json, os, statistics, sys

runs, results, java_version, threads, rounds, configs, device, out_name = sys.argv[1:9]
configs = configs.split()

def key(d, n, r, p):
    return (int(d), int(n), int(r), float(p))

# Every JMH run, tagged with its round. Samples are per measurement iteration: wall ms/op (the score) and
# CPU ms/op (the CpuTime aux counters: cpuNanos / calls).
jmh_all, jmh, jmh_cpu = [], {}, {}
for path in sorted(glob.glob(os.path.join(runs, "jmh-*.json"))):
    rnd = int(path.rsplit("-", 1)[1].split(".")[0])
    for res in json.load(open(path)):
        res["round"] = rnd
        jmh_all.append(res)
        prm = res["params"]
        k = (key(prm["d"], prm["tokens"], prm["r"], prm["p"]), res["benchmark"].rsplit(".", 1)[-1])
        jmh.setdefault(k, []).extend(float(x) for fork in res["primaryMetric"]["rawData"] for x in fork)
        sec = res["secondaryMetrics"]
        for fork_ns, fork_calls in zip(sec["cpuNanos"]["rawData"], sec["calls"]["rawData"]):
            jmh_cpu.setdefault(k, []).extend(ns / c / 1e6 for ns, c in zip(fork_ns, fork_calls) if c > 0)
json.dump(jmh_all, open(os.path.join(results, f"{out_name}-jmh.json"), "w"), indent=2)

py_rows, py, py_cpu, mem, meta, dates = [], {}, {}, {}, None, []
for path in sorted(glob.glob(os.path.join(runs, "py-*.json"))):
    rnd = int(path.rsplit("-", 1)[1].split(".")[0])
    doc = json.load(open(path))
    meta = meta or dict(doc["meta"])
    dates.append(doc["meta"]["date"])
    for row in doc["results"]:
        row["round"] = rnd
        row["date"] = doc["meta"]["date"]
        py_rows.append(row)
        k = key(row["d"], row["tokens"], row["r"], row["p"])
        mem[k] = row
        for name, m in row["workloads"].items():
            py.setdefault((k, name), []).extend(m["rounds_ms"])
            py_cpu.setdefault((k, name), []).extend(m["rounds_cpu_ms"])
meta["date"] = f"{min(dates)} – {max(dates)}"  # the PEFT runs' start times: the window of the whole run
json.dump({"benchmark": "lora_linear", "unit": "ms/op", "meta": meta, "results": py_rows},
          open(os.path.join(results, f"{out_name}-python.json"), "w"), indent=2)

med = statistics.median
lines = [
    "| d | tokens | r | p | pass | lora4j ms | PEFT ms | ratio | lora4j CPU ms | PEFT CPU ms | CPU ratio "
    "| saved beyond x and weights, MiB: lora4j / PEFT |",
    "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
]
for c in configs:
    k = key(*c.split(","))
    for method, name, label in (("forward", "forward", "fwd"), ("forwardBackward", "forward_backward", "fwd+bwd")):
        j, q, jc, qc = jmh.get((k, method)), py.get((k, name)), jmh_cpu.get((k, method)), py_cpu.get((k, name))
        if not j or not q:
            continue
        m = mem[k]
        saved = f"{m['lora4j_extra_bytes_by_design'] / 2**20:.2f} / {m['saved_extra_bytes'] / 2**20:.2f}"
        lines.append(
            f"| {k[0]} | {k[1]} | {k[2]} | {k[3]:g} | {label} "
            f"| {med(j):.1f} ({min(j):.1f}) | {med(q):.1f} ({min(q):.1f}) | {med(q) / med(j):.2f} ({min(q) / min(j):.2f}) "
            f"| {med(jc):.1f} | {med(qc):.1f} | **{med(qc) / med(jc):.2f}** | {saved if label == 'fwd' else ''} |")

n_j = len(next(iter(jmh.values())))
n_q = len(next(iter(py.values())))
lines += [
    "",
    f"Medians over {n_j} JMH measurement iterations and {n_q} PEFT rounds per cell (best in brackets), pooled "
    f"from {rounds} alternating runs per side (ABBA). Ratios are PEFT / lora4j: > 1 means lora4j is faster. "
    f"Wall time counts waiting for a core; CPU time is the calling thread's"
    + (" (the host's share only: the work runs on the GPU)" if device != "cpu"
       else " (all of the work with 1 thread)" if threads == "1" else " (not the other intra-op threads' work)")
    + f". Device {meta['device']}; threads {threads} on both sides; float32; training mode. Saved bytes: PEFT measured with "
    f"saved_tensors_hooks, lora4j by the op's design (h = tokens x r).",
    f"{java_version}; torch {meta['torch']}, peft {meta['peft']}, Python {meta['python']}; "
    f"CPU {meta['cpu']} ({meta['cpus']} CPUs); {meta['date']}.",
]
text = "\n".join(lines)
print()
print(text)
with open(os.path.join(results, f"{out_name}.md"), "w") as f:
    f.write(text + "\n")
EOF
log "results: $RESULTS/$RESULTS_NAME-jmh.json, $RESULTS_NAME-python.json, $RESULTS_NAME.md"
