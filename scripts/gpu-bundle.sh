#!/usr/bin/env bash
# Packs what a GPU machine without Java or network needs to run lora4j's GPU checks and benchmarks
# (scripts/gpu-run.sh there), into .device/ (git-ignored):
#
#   .device/jre.tar.xz               a JRE made with jlink from this machine's JDK (the modules jdeps finds)
#   .device/lora4j-benchmarks.jar    JMH benchmarks with lora-runtime inside
#   .device/lora4j-cli.jar           the CLI (finetune, eval, ...)
#   .device/data.tar.xz              the part of ../shared/data the runs read: FLAN-T5 configs, the
#                                    flan-t5-small tokenizer files, DialogSum
#
# The JRE and the data travel xz-compressed: unpacked they are about 110 MiB (libjvm.so alone is 29 MiB),
# packed about 25 MiB.
#   bash scripts/gpu-bundle.sh
#
# The native library is not packed: gpu-run.sh builds it there against that machine's CUDA PyTorch. The
# bundle stays under the 60 MiB that leaves room for the working tree in a 64 MiB transfer; the script
# fails if it does not.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$LORA4J_ROOT"

BUNDLE="$LORA4J_ROOT/.device"
DATA_SRC=${LORA4J_SHARED_DATA:-$LORA4J_ROOT/../shared/data}
LIMIT_MIB=60

find_java_home
[ -d "$DATA_SRC/dialogsum" ] || { log "no shared data at $DATA_SRC (set LORA4J_SHARED_DATA)"; exit 1; }

log "building the benchmarks and CLI jars"
./mvnw -q -B -ntp -DskipTests -pl benchmarks,examples -am package
JARS=("$LORA4J_ROOT/benchmarks/target/lora4j-benchmarks.jar" "$LORA4J_ROOT/examples/target/lora4j-cli.jar")

modules=$("$JAVA_HOME/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps "${JARS[@]}")
# jdk.unsupported: JMH reads sun.misc.Unsafe reflectively, which jdeps cannot see.
case ",$modules," in *,jdk.unsupported,*) ;; *) modules="$modules,jdk.unsupported" ;; esac
log "jlink: $modules"
strip=(--strip-debug)
if command -v objcopy >/dev/null 2>&1; then
  strip=(--strip-java-debug-attributes --strip-native-debug-symbols "objcopy=$(command -v objcopy)")
fi
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
rm -rf "$BUNDLE"
mkdir -p "$BUNDLE"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" "${strip[@]}" --no-man-pages --no-header-files --output "$STAGE/jre"
"$STAGE/jre/bin/java" -version 2>&1 | head -1 | sed 's/^/[lora4j] bundled JRE: /' >&2
cp "${JARS[@]}" "$BUNDLE/"

log "copying data from $DATA_SRC"
mkdir -p "$STAGE/data/flan-t5-configs" "$STAGE/data/flan-t5-small" "$STAGE/data/dialogsum"
cp "$DATA_SRC"/flan-t5-configs/*.json "$STAGE/data/flan-t5-configs/"
cp "$DATA_SRC"/flan-t5-small/*.json "$STAGE/data/flan-t5-small/"
cp "$DATA_SRC"/dialogsum/dialogsum.{train,dev,test}.jsonl "$STAGE/data/dialogsum/"

log "compressing the JRE and the data (xz; about a minute)"
tar -cJf "$BUNDLE/jre.tar.xz" -C "$STAGE" jre
tar -cJf "$BUNDLE/data.tar.xz" -C "$STAGE" data
size_kib=$(du -sk "$BUNDLE" | cut -f1)
log "bundle: $BUNDLE, $((size_kib / 1024)) MiB"
if [ "$size_kib" -gt $((LIMIT_MIB * 1024)) ]; then
  log "the bundle is over $LIMIT_MIB MiB: it would not travel with the working tree"
  exit 1
fi
log "on the GPU machine (carry .device): bash scripts/gpu-run.sh"
