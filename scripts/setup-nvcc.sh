#!/usr/bin/env bash
# Installs CUDA's compiler (pip nvidia-cuda-nvcc, matching torch's CUDA 13.0 runtime) beside the venv,
# so the CUDA kernels compile on machines without a CUDA toolkit or GPU (CI compiles them on every
# change). Idempotent. Prints the nvcc path on stdout.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NVCC_VERSION=13.0.88
DIR="${XDG_CACHE_HOME:-$HOME/.cache}/lora4j/nvcc-$NVCC_VERSION"
if [ ! -x "$DIR/nvidia/cu13/bin/nvcc" ]; then
  log "installing nvidia-cuda-nvcc==$NVCC_VERSION into $DIR"
  "$(venv_dir)/bin/python" -m pip install --quiet --no-deps --target "$DIR" "nvidia-cuda-nvcc==$NVCC_VERSION" >&2
fi
[ -x "$DIR/nvidia/cu13/bin/nvcc" ] || { log "nvcc not found under $DIR"; exit 1; }
echo "$DIR/nvidia/cu13/bin/nvcc"
