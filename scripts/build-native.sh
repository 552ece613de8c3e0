#!/usr/bin/env bash
# Builds liblora4j.so into build/native against the pinned venv's libtorch (or LIBTORCH / Torch_DIR).
# Incremental: a second run with nothing changed takes a second.
#
# The CUDA kernels (native/src/cuda, docs/CUDA.md) are compiled too unless LORA4J_CUDA=OFF: with the
# nvcc given by LORA4J_NVCC, else the pip nvcc installed by scripts/setup-nvcc.sh (so every build, CI's
# included, compiles them; no GPU is needed to compile). LORA4J_CUDA=ON makes a missing nvcc an error;
# AUTO (the default) builds without the kernels when no nvcc can be had.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

#
# LORA4J_TORCH_LINK=CPU builds the variant the lora4j-native jar carries instead: linked against
# libtorch_cpu and libc10 only, RUNPATH $ORIGIN, no CUDA kernels, into build/native-cpu (its own CMake
# folder build/cmake-cpu, so the developer build above stays as it is). docs/EMBEDDING.md says why.

VENV=$(venv_dir)
JOBS=${LORA4J_BUILD_JOBS:-$(nproc)}
TORCH_LINK=$(printf %s "${LORA4J_TORCH_LINK:-FULL}" | tr "[:lower:]" "[:upper:]")
if [ "$TORCH_LINK" = "CPU" ]; then
  BUILD_DIR="$LORA4J_ROOT/build/cmake-cpu"
  OUT_DIR="$LORA4J_ROOT/build/native-cpu"
  CUDA_MODE=OFF
else
  BUILD_DIR="$LORA4J_ROOT/build/cmake"
  OUT_DIR="$LORA4J_ROOT/build/native"
  CUDA_MODE=$(printf %s "${LORA4J_CUDA:-AUTO}" | tr "[:lower:]" "[:upper:]")
fi
cmake_args=(-S "$LORA4J_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$OUT_DIR" -DLORA4J_CUDA="$CUDA_MODE" -DLORA4J_TORCH_LINK="$TORCH_LINK")
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
  log "CUDA kernels: off (LORA4J_CUDA=OFF or LORA4J_TORCH_LINK=CPU)"
  cmake_args+=(-DLORA4J_NVCC=)
fi
if command -v ninja >/dev/null 2>&1 && [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then cmake_args+=(-G Ninja); fi

mkdir -p "$BUILD_DIR"
log "configuring native build in $BUILD_DIR (libtorch link: $TORCH_LINK)"
cmake "${cmake_args[@]}" >"$BUILD_DIR/configure.log" 2>&1 || {
  cat "$BUILD_DIR/configure.log" >&2; exit 1; }
grep -h "lora4j: CUDA kernels" "$BUILD_DIR/configure.log" | sed 's/^-- /[lora4j] /' >&2 || true
log "building liblora4j.so ($JOBS jobs)"
cmake --build "$BUILD_DIR" -j "$JOBS"
log "native library: $OUT_DIR/liblora4j.so"
