#!/usr/bin/env bash
# Builds liblora4j.so into build/native against the pinned venv's libtorch (or LIBTORCH / Torch_DIR).
# Incremental: a second run with nothing changed takes a second.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV=$(venv_dir)
BUILD_DIR="$LORA4J_ROOT/build/cmake"
JOBS=${LORA4J_BUILD_JOBS:-$(nproc)}
cmake_args=(-S "$LORA4J_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$LORA4J_ROOT/build/native")
if [ -z "${LIBTORCH:-}" ] && [ -z "${Torch_DIR:-}" ]; then
  cmake_args+=(-DLORA4J_PYTHON="$VENV/bin/python")
elif [ -n "${Torch_DIR:-}" ]; then
  cmake_args+=(-DTorch_DIR="$Torch_DIR")
fi
if command -v ninja >/dev/null 2>&1 && [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then cmake_args+=(-G Ninja); fi

log "configuring native build in $BUILD_DIR"
cmake "${cmake_args[@]}" >"$LORA4J_ROOT/build/cmake-configure.log" 2>&1 || {
  cat "$LORA4J_ROOT/build/cmake-configure.log" >&2; exit 1; }
log "building liblora4j.so ($JOBS jobs)"
cmake --build "$BUILD_DIR" -j "$JOBS"
log "native library: $LORA4J_ROOT/build/native/liblora4j.so"
