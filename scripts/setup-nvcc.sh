#!/usr/bin/env bash
# Installs CUDA's compiler from PyPI beside the venv, matching torch's CUDA 13.0 runtime, so the CUDA
# kernels compile on machines without a CUDA toolkit or GPU (CI compiles them on every change).
# From CUDA 13 the compiler is split over four wheels, all needed: nvidia-cuda-nvcc (nvcc, ptxas,
# fatbinary), nvidia-nvvm (cicc, libdevice), nvidia-cuda-crt (crt/*.h, which cuda_runtime.h includes)
# and nvidia-cuda-cccl (nv/target, which cuda_fp16.h / cuda_bf16.h include). The runtime headers and
# libcudart.so.13 come with torch (nvidia-cuda-runtime in the venv).
# Idempotent. Prints the nvcc path on stdout.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NVCC_VERSION=13.0.88
CCCL_VERSION=13.0.85  # the CCCL release of CUDA 13.0 (its wheels are versioned on their own)
DIR="${XDG_CACHE_HOME:-$HOME/.cache}/lora4j/nvcc-$NVCC_VERSION"
CU="$DIR/nvidia/cu13"
REQUIRED=(bin/nvcc nvvm/bin/cicc include/crt/host_config.h include/nv/target)
complete() { local f; for f in "${REQUIRED[@]}"; do [ -e "$CU/$f" ] || return 1; done; }
if ! complete; then
  log "installing nvidia-cuda-nvcc, nvidia-nvvm, nvidia-cuda-crt ==$NVCC_VERSION, nvidia-cuda-cccl==$CCCL_VERSION into $DIR"
  "$(venv_dir)/bin/python" -m pip install --quiet --no-deps --upgrade --target "$DIR" \
    "nvidia-cuda-nvcc==$NVCC_VERSION" "nvidia-nvvm==$NVCC_VERSION" "nvidia-cuda-crt==$NVCC_VERSION" \
    "nvidia-cuda-cccl==$CCCL_VERSION" >&2
fi
for f in "${REQUIRED[@]}"; do
  [ -e "$CU/$f" ] || { log "incomplete CUDA compiler under $DIR: no $f"; exit 1; }
done
echo "$CU/bin/nvcc"
