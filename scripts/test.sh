#!/usr/bin/env bash
# The README's test command: provisions what it needs (idempotently), then runs every test.
#   1. JDK 25+ and the pinned Python venv (torch 2.11.0 + the reference libraries)
#   2. liblora4j.so (CMake, incremental; the CUDA kernels compiled too), then the CUDA kernels run on a
#      CPU emulation against plain loops
#   3. the generated bindings are regenerated and compared with the committed ones (drift fails)
#   4. the generator's own tests, then every Java test (Maven Surefire), parity tests included; the
#      install makes the native jars too (lora4j-native from the CPU-only shim built right after step 2)
#   5. the consumer test: a separate Maven project on the installed coordinates runs an example program
#      with no venv, no LORA4J_* variables and no checkout paths (scripts/consumer-test.sh); then
#      ./lora4j from another folder (scripts/launcher-test.sh)
#   6. a short bounded run of every fuzz target (scripts/fuzz.sh; LORA4J_FUZZ=0 skips it)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$LORA4J_ROOT"

find_java_home
bash scripts/setup-venv.sh
VENV=$(venv_dir)
bash scripts/build-native.sh
log "the CPU-only shim for the lora4j-native jar (build/native-cpu; docs/EMBEDDING.md)"
LORA4J_TORCH_LINK=CPU bash scripts/build-native.sh
log "CUDA kernels on the CPU emulation (native/tests/cuda_kernel_emulation_test.cpp)"
cmake --build build/cmake --target lora4j_kernel_emulation_test -j "${LORA4J_BUILD_JOBS:-$(nproc)}"
build/cmake/lora4j_kernel_emulation_test
log "the 4-bit dequantization kernel on the CPU emulation (native/tests/quant_kernel_emulation_test.cpp)"
cmake --build build/cmake --target lora4j_quant_kernel_emulation_test -j "${LORA4J_BUILD_JOBS:-$(nproc)}"
build/cmake/lora4j_quant_kernel_emulation_test

log "checking generated bindings against native/include/lora4j.h"
"$VENV/bin/python" scripts/gen_bindings.py --check
log "testing the bindings generator"
"$VENV/bin/python" -m unittest -q scripts/test_gen_bindings.py
log "testing the benchmark report's arithmetic (benchmarks/python/test_bench_report.py)"
"$VENV/bin/python" -m unittest -q benchmarks/python/test_bench_report.py

log "running Java tests (Maven wrapper; first run downloads Maven 3.9.16 and dependencies)"
./mvnw -B -ntp ${CI:+--no-transfer-progress} install -Dlora4j.python="$VENV/bin/python" \
  -Dlora4j.adapterhub.python="$(adapterhub_venv_dir)/bin/python" "$@"
# The main pass ran under the default (LORA4J_CPU_GEMM=auto: each JVM times MKL and oneDNN and takes the
# faster); these run the GEMM and parity suites through each library by name, whichever this CPU prefers.
for gemm in aten onednn; do
  log "the $gemm GEMM path (LORA4J_CPU_GEMM=$gemm): linear, LoRA op and PEFT parity through it"
  LORA4J_CPU_GEMM=$gemm ./mvnw -B -ntp -q ${CI:+--no-transfer-progress} -pl lora-runtime surefire:test \
    -Dtest='CpuGemmTest,LoraOpsTest,LoraPeftParityTest,T5ParityTest' -Dlora4j.python="$VENV/bin/python"
done
log "consumer test: lora4j as a Maven dependency, without this checkout (scripts/consumer-test.sh)"
repo="$HOME/.m2/repository"
for arg in "$@"; do case "$arg" in -Dmaven.repo.local=*) repo=${arg#-Dmaven.repo.local=} ;; esac; done
bash scripts/consumer-test.sh "$repo"
log "launcher test: ./lora4j from another folder, silent when built (scripts/launcher-test.sh)"
bash scripts/launcher-test.sh
if [ "${LORA4J_FUZZ:-1}" != 0 ]; then
  log "bounded fuzzing of every fuzz target (scripts/fuzz.sh; LORA4J_FUZZ=0 skips it)"
  bash scripts/fuzz.sh
fi
log "all tests passed"
