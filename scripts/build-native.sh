#!/usr/bin/env bash
# Builds liblora4j.so into build/native against the pinned venv's libtorch (or LIBTORCH / Torch_DIR).
# Incremental: a second run with nothing changed takes a second.
#
# The CUDA kernels (native/src/cuda, docs/CUDA.md) are compiled too unless LORA4J_CUDA=OFF: with the
# nvcc given by LORA4J_NVCC, else the pip nvcc installed by scripts/setup-nvcc.sh (so every build, CI's
# included, compiles them; no GPU is needed to compile). LORA4J_CUDA=ON makes a missing nvcc an error;
# AUTO (the default) builds without the kernels when no nvcc can be had.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV=$(venv_dir)
BUILD_DIR="$LORA4J_ROOT/build/cmake"
JOBS=${LORA4J_BUILD_JOBS:-$(nproc)}
CUDA_MODE=$(printf %s "${LORA4J_CUDA:-AUTO}" | tr "[:lower:]" "[:upper:]")
cmake_args=(-S "$LORA4J_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$LORA4J_ROOT/build/native" -DLORA4J_CUDA="$CUDA_MODE")
if [ -z "${LIBTORCH:-}" ] && [ -z "${Torch_DIR:-}" ]; then
  cmake_args+=(-DLORA4J_PYTHON="$VENV/bin/python")
elif [ -n "${Torch_DIR:-}" ]; then
  cmake_args+=(-DTorch_DIR="$Torch_DIR")
fi
if [ "$CUDA_MODE" != "OFF" ]; then
  NVCC=${LORA4J_NVCC:-}
  if [ -z "$NVCC" ]; then
    NVCC=$(bash "$LORA4J_ROOT/scripts/setup-nvcc.sh") || NVCC=$(command -v nvcc || true)
  fi
  if [ -n "$NVCC" ]; then
    log "CUDA kernels: compiling with $NVCC"
  elif [ "$CUDA_MODE" = "ON" ]; then
    log "LORA4J_CUDA=ON but no nvcc: set LORA4J_NVCC or fix scripts/setup-nvcc.sh"; exit 1
  else
    log "CUDA kernels: no nvcc, building without them"
  fi
  cmake_args+=(-DLORA4J_NVCC="$NVCC")
else
  log "CUDA kernels: off (LORA4J_CUDA=OFF)"
  cmake_args+=(-DLORA4J_NVCC=)
fi
if command -v ninja >/dev/null 2>&1 && [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then cmake_args+=(-G Ninja); fi

mkdir -p "$LORA4J_ROOT/build"
log "configuring native build in $BUILD_DIR"
cmake "${cmake_args[@]}" >"$LORA4J_ROOT/build/cmake-configure.log" 2>&1 || {
  cat "$LORA4J_ROOT/build/cmake-configure.log" >&2; exit 1; }
grep -h "lora4j: CUDA kernels" "$LORA4J_ROOT/build/cmake-configure.log" | sed 's/^-- /[lora4j] /' >&2 || true
log "building liblora4j.so ($JOBS jobs)"
cmake --build "$BUILD_DIR" -j "$JOBS"
log "native library: $LORA4J_ROOT/build/native/liblora4j.so"
