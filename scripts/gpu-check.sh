#!/usr/bin/env bash
# GPU check of the fused LoRA CUDA kernels (docs/CUDA.md), for a Linux machine with an NVIDIA GPU,
# nvcc and a CUDA PyTorch (or an unpacked CUDA libtorch); no Java, no network needed.
#
#   scripts/gpu-check.sh [--no-bench]
#
#   1. builds liblora4j with LORA4J_CUDA=ON against that torch, plus native/tests/cuda_lora_test.cpp
#      and the kernels' CPU emulation test, into build/gpu-cmake;
#   2. runs the emulation test, then cuda_lora_test on the GPU: masks CUDA == CPU bit for bit, the op's
#      forward and backward on CUDA against the CPU op (float64 1e-10; f32 / bf16 / f16 against float64
#      with the stated tolerances), peak memory against the unfused composite, then timings;
#   3. with LORA4J_GPU_PY_BENCH=1, PEFT's side of the LoRA-linear grid on the GPU (~17 minutes).
#      The whole GPU session, both sides of every benchmark, is scripts/gpu-run.sh.
# Exits non-zero when a check fails. The table is also written to build/gpu-cmake/gpu-check.log.
#
# Environment:
#   PYTHON               python whose torch provides libtorch (default: python3); ignored with LIBTORCH
#   LIBTORCH             an unpacked CUDA libtorch instead
#   LORA4J_NVCC          nvcc (default: nvcc on PATH, $CUDA_HOME/bin/nvcc, /usr/local/cuda/bin/nvcc)
#   LORA4J_CUDA_GENCODE  nvcc -gencode flags, ;-separated (default: sm_90 SASS + compute_90 PTX)
#   LORA4J_GPU_BUILD_DIR build directory (default: build/gpu-cmake)
#   LORA4J_BUILD_JOBS    parallel jobs (default: nproc)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$LORA4J_ROOT"

BUILD_DIR=${LORA4J_GPU_BUILD_DIR:-$LORA4J_ROOT/build/gpu-cmake}
JOBS=${LORA4J_BUILD_JOBS:-$(nproc)}

NVCC=${LORA4J_NVCC:-}
if [ -z "$NVCC" ]; then
  for candidate in "$(command -v nvcc || true)" "${CUDA_HOME:-}/bin/nvcc" /usr/local/cuda/bin/nvcc; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then NVCC=$candidate; break; fi
  done
fi
[ -n "$NVCC" ] || { log "no nvcc found: set LORA4J_NVCC or put nvcc on PATH"; exit 1; }
log "nvcc: $NVCC ($("$NVCC" --version | tail -1))"

cmake_args=(-S "$LORA4J_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DLORA4J_CUDA=ON -DLORA4J_NVCC="$NVCC"
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$BUILD_DIR/native")
if [ -n "${LORA4J_CUDA_GENCODE:-}" ]; then cmake_args+=(-DLORA4J_CUDA_GENCODE="$LORA4J_CUDA_GENCODE"); fi
if [ -n "${LIBTORCH:-}" ]; then
  log "libtorch: $LIBTORCH"
else
  PY=${PYTHON:-python3}
  "$PY" -c "import torch; print('[lora4j] torch', torch.__version__, 'CUDA', torch.version.cuda, 'GPU available:', torch.cuda.is_available())" ||
    { log "$PY cannot import torch: set PYTHON or LIBTORCH"; exit 1; }
  cmake_args+=(-DLORA4J_PYTHON="$(command -v "$PY")")
fi
if command -v ninja >/dev/null 2>&1 && [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then cmake_args+=(-G Ninja); fi
if command -v nvidia-smi >/dev/null 2>&1; then nvidia-smi -L >&2 || true; fi

mkdir -p "$BUILD_DIR"
log "configuring in $BUILD_DIR"
cmake "${cmake_args[@]}" >"$BUILD_DIR/configure.log" 2>&1 || { cat "$BUILD_DIR/configure.log" >&2; exit 1; }
grep -h "lora4j: CUDA kernels" "$BUILD_DIR/configure.log" | sed 's/^-- /[lora4j] /' >&2 || true
log "building liblora4j, lora4j_cuda_test, lora4j_kernel_emulation_test ($JOBS jobs)"
cmake --build "$BUILD_DIR" -j "$JOBS" --target lora4j lora4j_cuda_test lora4j_kernel_emulation_test

log "kernels on the CPU emulation"
"$BUILD_DIR/lora4j_kernel_emulation_test"

log "kernels on the GPU"
status=0
"$BUILD_DIR/lora4j_cuda_test" "$@" 2>&1 | tee "$BUILD_DIR/gpu-check.log" || status=$?

# PEFT's side of the LoRA-linear grid on the GPU (lora4j's side is JMH: scripts/bench-lora.sh with
# DEVICE=cuda, or scripts/gpu-run.sh). Opt-in: the full 36-configuration grid takes ~17 minutes.
if [ "${LORA4J_GPU_PY_BENCH:-0}" = 1 ] && [ -z "${LIBTORCH:-}" ]; then
  log "benchmark: PEFT lora.Linear on the GPU (benchmarks/python/lora_linear_bench.py --config full)"
  "$PY" benchmarks/python/lora_linear_bench.py --device cuda --config full || { log "lora_linear_bench.py failed"; status=1; }
fi

if [ "$status" -eq 0 ]; then log "GPU check passed"; else log "GPU check FAILED (status $status)"; fi
exit "$status"
