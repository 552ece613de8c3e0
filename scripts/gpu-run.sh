#!/usr/bin/env bash
# The GPU session in one command, for a machine with an NVIDIA GPU, nvcc and a CUDA PyTorch with
# transformers and peft, but no Java and no network (the device tool's machines). Needs .device/ from
# scripts/gpu-bundle.sh (carry it). Every step logs into OUT_DIR and a failed step does not stop the next.
#
#   bash scripts/gpu-run.sh [OUT_DIR]            (default: $OUT where set, else build/gpu-run)
#
# Steps (GPU_RUN_STEPS, comma-separated; default facts,check,training,lora-linear; add generation when
# the device time allows, about 3 more minutes):
#   facts        nvidia-smi, torch/transformers/peft versions, and any Hugging Face cache (model weights)
#   check        scripts/gpu-check.sh: liblora4j built with the CUDA kernels against this torch, the kernels'
#                CPU emulation, then CUDA against the CPU reference, peak memory against the unfused
#                composite, and the op's timings (docs/CUDA.md)
#   training     the issue-7 training step at the flan-t5-base and -large shapes: lora4j with a bfloat16
#                base and float32 LoRA against PEFT with float32 weights under bfloat16 autocast
#   lora-linear  the LoRA linear op against PEFT's lora.Linear (one configuration, float32)
#   generation   greedy and beam-4 generation against transformers' generate
# Measured on the GPU, about 9 minutes with the default steps (estimate: never run yet); each benchmark
# process is cut off after GPU_RUN_TIMEOUT seconds (default 150).
#
# Environment: PYTHON (default python3), LORA4J_LIBRARY (default: the library the check step builds),
# GPU_RUN_SHAPES (default base,large), GPU_RUN_DEVICE (default cuda; cpu only to test this script).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[gpu-run] %s\n' "$*" >&2; }

OUT_DIR=${1:-${OUT:-$ROOT/build/gpu-run}}
STEPS=",${GPU_RUN_STEPS:-facts,check,training,lora-linear},"
PY=${PYTHON:-python3}
DEVICE=${GPU_RUN_DEVICE:-cuda}
SHAPES=${GPU_RUN_SHAPES:-base,large}
TIMEOUT=${GPU_RUN_TIMEOUT:-150}
mkdir -p "$OUT_DIR"
status=0
wants() { [[ "$STEPS" == *",$1,"* ]]; }

if wants facts; then
  log "machine facts -> $OUT_DIR/machine.txt"
  {
    date -u
    nvidia-smi 2>&1 || true
    "$PY" -c 'import torch, transformers, peft; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"); print("transformers", transformers.__version__, "peft", peft.__version__)' 2>&1
    echo "--- Hugging Face caches (model weights already on this machine?)"
    for d in "${HF_HOME:-}" "$HOME/.cache/huggingface" /root/.cache/huggingface /data /models /opt/models; do
      [ -n "$d" ] && [ -d "$d" ] && { echo "$d:"; find "$d" -maxdepth 4 \( -name '*.safetensors' -o -name '*.bin' -o -name 'config.json' \) 2>/dev/null | head -50; }
    done
    echo "--- end"
  } >"$OUT_DIR/machine.txt" 2>&1
fi

if wants check; then
  log "CUDA build and checks -> $OUT_DIR/gpu-check.log"
  PYTHON="$PY" bash scripts/gpu-check.sh >"$OUT_DIR/gpu-check.log" 2>&1 || { status=1; log "gpu-check FAILED (see gpu-check.log)"; }
fi
LIB=${LORA4J_LIBRARY:-$ROOT/build/gpu-cmake/native/liblora4j.so}

suite=()
wants training && suite+=(training)
wants lora-linear && suite+=(lora-linear)
wants generation && suite+=(generation)
if [ ${#suite[@]} -gt 0 ]; then
  if [ ! -f "$LIB" ]; then
    log "no native library at $LIB (the check step builds it): benchmarks skipped"
    status=1
  elif [ ! -f .device/jre.tar.xz ]; then
    log "no .device/ bundle: make it with scripts/gpu-bundle.sh on a machine with a JDK, and carry .device"
    status=1
  else
    UNPACK=$(mktemp -d)
    tar -xJf .device/jre.tar.xz -C "$UNPACK" && tar -xJf .device/data.tar.xz -C "$UNPACK"
    only=$(IFS=,; echo "${suite[*]}")
    log "benchmarks ($only) on $DEVICE -> $OUT_DIR/bench-report.log"
    JAVA="$UNPACK/jre/bin/java" JAR="$ROOT/.device/lora4j-benchmarks.jar" LORA4J_LIBRARY="$LIB" PYTHON="$PY" \
      "$PY" benchmarks/python/bench_report.py --device "$DEVICE" --dtype bfloat16 --peft-autocast --only "$only" \
      --shapes "$SHAPES" --data "$UNPACK/data" --no-docs --timeout "$TIMEOUT" \
      --command "bash scripts/gpu-run.sh (steps ${STEPS:1:-1})" >"$OUT_DIR/bench-report.log" 2>&1 \
      || { status=1; log "bench-report FAILED (see bench-report.log)"; }
    newest=$(ls -t benchmarks/results/bench-report-*.json 2>/dev/null | head -1)
    [ -n "$newest" ] && cp "$newest" "$OUT_DIR/bench-report.json"
    work=$(ls -td benchmarks/target/bench-report/*/ 2>/dev/null | head -1)
    [ -n "$work" ] && tar -czf "$OUT_DIR/bench-logs.tar.gz" -C "$work" .
    rm -rf "$UNPACK"
  fi
fi

if [ "$status" -eq 0 ]; then log "done: $OUT_DIR"; else log "done with failures: $OUT_DIR"; fi
exit "$status"
