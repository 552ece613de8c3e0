#!/usr/bin/env bash
# The measurement behind docs/EMBEDDING.md's "Why a lora4j-owned libtorch jar": builds the CPU-only shim
# against org.bytedeco:pytorch:2.10.0-1.5.13 instead of the pinned torch, so it can be loaded and tested.
#   scripts/bytedeco-experiment.sh <work-dir>
# Downloads (about 1 GB): the torch 2.10.0 wheel from PyPI (for its headers only: bytedeco's jar carries
# none), bytedeco's pytorch and openblas linux-x86_64 jars from Maven Central. Leaves
# <work-dir>/lib/liblora4j.so beside bytedeco's libraries; then, for example:
#   LORA4J_LIBRARY=<work-dir>/lib/liblora4j.so ./mvnw -pl lora-runtime test -Dtest=TensorOpsTest
# Not part of any build or test.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ $# -eq 1 ] || { log "usage: scripts/bytedeco-experiment.sh <work-dir>"; exit 2; }
WORK=$(mkdir -p "$1" && cd "$1" && pwd)
cd "$LORA4J_ROOT"
find_java_home
VENV=$(venv_dir)
REPO="$WORK/m2"
BYTEDECO=2.10.0-1.5.13
OPENBLAS=0.3.31-1.5.13

log "downloading the torch 2.10.0 wheel (headers) and bytedeco's jars"
[ -n "$(ls "$WORK"/torch-2.10.0-*.whl 2>/dev/null)" ] \
  || "$VENV/bin/pip" download torch==2.10.0 --no-deps --only-binary=:all: -d "$WORK"
./mvnw -q -B -Dmaven.repo.local="$REPO" dependency:get -Dtransitive=false -Dartifact=org.bytedeco:pytorch:$BYTEDECO:jar:linux-x86_64
./mvnw -q -B -Dmaven.repo.local="$REPO" dependency:get -Dtransitive=false -Dartifact=org.bytedeco:openblas:$OPENBLAS:jar:linux-x86_64
PYTORCH_JAR="$REPO/org/bytedeco/pytorch/$BYTEDECO/pytorch-$BYTEDECO-linux-x86_64.jar"
OPENBLAS_JAR="$REPO/org/bytedeco/openblas/$OPENBLAS/openblas-$OPENBLAS-linux-x86_64.jar"
ls -l "$PYTORCH_JAR" "$OPENBLAS_JAR" >&2

log "a libtorch root: the wheel's include/, bytedeco's libraries in lib/"
rm -rf "$WORK/include" "$WORK/lib" "$WORK/torch"
(cd "$WORK" && unzip -q torch-2.10.0-*.whl 'torch/include/*' && mv torch/include include && rm -rf torch)
mkdir -p "$WORK/lib"
unzip -q -o -j "$PYTORCH_JAR" -d "$WORK/lib" 'org/bytedeco/pytorch/linux-x86_64/lib*.so*' -x '*/libjni*'
unzip -q -o -j "$OPENBLAS_JAR" -d "$WORK/lib" 'org/bytedeco/openblas/linux-x86_64/libopenblas.so.0' \
  'org/bytedeco/openblas/linux-x86_64/libgfortran.so.5' 'org/bytedeco/openblas/linux-x86_64/libquadmath.so.0'
log "the headers' .h files in bytedeco's jar: $(unzip -l "$PYTORCH_JAR" | grep -c '\.h$')"

log "building the CPU-only shim against it (LORA4J_TORCH_LINK=CPU)"
cmake -S "$LORA4J_ROOT" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$WORK/build/native" \
  -DLORA4J_CUDA=OFF -DLORA4J_TORCH_LINK=CPU -DLORA4J_TORCH_ROOT="$WORK" >"$WORK/configure.log"
cmake --build "$WORK/build" -j "${LORA4J_BUILD_JOBS:-$(nproc)}"
cp "$WORK/build/native/liblora4j.so" "$WORK/lib/"
log "ready: LORA4J_LIBRARY=$WORK/lib/liblora4j.so ($(du -sh "$WORK/lib" | cut -f1) of libraries)"
