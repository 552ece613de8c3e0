# Shared helpers for the project's scripts: sourced, never run. Each helper prints what it decides.
set -euo pipefail

LORA4J_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LORA4J_ROOT

log() { printf '[lora4j] %s\n' "$*" >&2; }

# The newest JDK of release 22 or later under the JVM folder (or JAVA_HOME if it already is one).
# The FFM API is final from 22; the project compiles for release 25.
find_java_home() {
  local candidate best="" best_version=0 version
  for candidate in ${JAVA_HOME:-} /usr/lib/jvm/* /opt/java/* /opt/jdk*; do
    [ -x "$candidate/bin/javac" ] || continue
    version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
    [ -n "$version" ] || continue
    if [ "$version" -gt "$best_version" ]; then best_version=$version; best=$candidate; fi
  done
  if [ -z "$best" ] || [ "$best_version" -lt 25 ]; then
    log "no JDK 25 or later found (newest: ${best:-none}, release ${best_version}); install Temurin 25"
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
  log "JAVA_HOME=$JAVA_HOME (release $best_version)"
}

# JVM options of the lora4j processes the scripts start (the CLI launcher, the lora4j side of the benchmarks):
# the serial collector. lora4j's Java heap holds bookkeeping only (tensors live in native memory), and G1
# touches an eden sized from the machine's memory: at flan-t5-large's training step the serial collector's
# peak RSS is ~100 MiB lower at the same speed (docs/PERFORMANCE.md). Set LORA4J_JVM_OPTIONS to replace it.
LORA4J_JVM_OPTIONS=${LORA4J_JVM_OPTIONS:--XX:+UseSerialGC}
export LORA4J_JVM_OPTIONS

# glibc's malloc for the same processes (GLIBC_TUNABLES; one already set is kept). Every page the
# allocator hands back to the kernel is faulted in and zeroed again at its next use, ~16 us a page on this
# project's VMs, so lora4j's processes keep what they freed (docs/PERFORMANCE.md, "glibc's malloc"):
# - arena_max=1: one arena, the main one. A JVM runs main() on a thread of its own, which glibc gives a
#   second arena made of 64 MiB heaps that freed activations cannot merge across; in five of twelve
#   flan-t5-large runs a step then faulted in 190-830 MiB of fresh pages, up to 3.4 s slower and up to
#   850 MiB higher in peak RSS. A Python process's main thread allocates from the main arena too.
# - trim_threshold=4 GiB: the heap's free top is not given back after every backward (glibc's default
#   threshold follows the largest block freed, a few MiB here) only to be faulted in again by the next step.
# - mmap_threshold=32 MiB: setting the trim threshold turns off glibc's sliding mmap threshold, so it is
#   set to the sliding one's ceiling; blocks above it (weights) are mapped and unmapped on their own.
LORA4J_GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.arena_max=1:glibc.malloc.trim_threshold=4294967296:glibc.malloc.mmap_threshold=33554432}
export LORA4J_GLIBC_TUNABLES

# The pinned virtual environment lives outside the checkout, keyed by the requirements' hash, so every
# clone on a machine shares one install and a change of pins makes a new one.
venv_dir() {
  if [ -n "${LORA4J_VENV:-}" ]; then echo "$LORA4J_VENV"; return; fi
  local hash
  hash=$(sha256sum "$LORA4J_ROOT/scripts/requirements.txt" | cut -c1-12)
  echo "${XDG_CACHE_HOME:-$HOME/.cache}/lora4j/venv-$hash"
}

# AdapterHub's venv, keyed by its own pins and by the main venv it borrows torch from.
adapterhub_venv_dir() {
  if [ -n "${LORA4J_ADAPTERHUB_VENV:-}" ]; then echo "$LORA4J_ADAPTERHUB_VENV"; return; fi
  local hash
  hash=$(cat "$LORA4J_ROOT/scripts/requirements.txt" "$LORA4J_ROOT/scripts/requirements-adapterhub.txt" \
    | sha256sum | cut -c1-12)
  echo "${XDG_CACHE_HOME:-$HOME/.cache}/lora4j/venv-adapterhub-$hash"
}

# Shared set-up of the benchmark scripts: JDK, the native library (exported as LORA4J_LIBRARY), the
# venv python (PYTHON) and the benchmarks jar (JAR, rebuilt unless SKIP_BUILD=1 and it exists).
prepare_benchmarks() {
  cd "$LORA4J_ROOT"
  find_java_home
  LIB=${LORA4J_LIBRARY:-$LORA4J_ROOT/build/native/liblora4j.so}
  if [ -d "$LIB" ]; then LIB="$LIB/liblora4j.so"; fi
  if [ ! -f "$LIB" ]; then
    log "native library not found at $LIB"
    log "build it first with: scripts/build-native.sh   (or point LORA4J_LIBRARY at an existing liblora4j.so)"
    exit 1
  fi
  export LORA4J_LIBRARY="$LIB"
  log "native library: $LIB"
  PYTHON="$(venv_dir)/bin/python"
  if [ ! -x "$PYTHON" ]; then
    log "no venv python at $PYTHON; create it with scripts/setup-venv.sh"
    exit 1
  fi
  JAR="$LORA4J_ROOT/benchmarks/target/lora4j-benchmarks.jar"
  if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$JAR" ]; then
    log "building $JAR"
    ./mvnw -q -B -pl benchmarks -am package -DskipTests
  fi
}
