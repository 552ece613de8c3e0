#!/usr/bin/env bash
# Stages the files of one native jar (docs/EMBEDDING.md) and writes its table of contents:
#   scripts/stage-natives.sh <bundle> <version> <out-dir>
# puts them under <out-dir>/dev/lora4j/natives/linux-x86_64/ beside <bundle>.bundle, which lists each file
# with its SHA-256 and size (dev.lora4j.tensor.NativeBundle reads it; NativeCache checks it on unpacking).
# Run by the Maven build of packaging/native (bundle lora4j-native) and packaging/libtorch (lora4j-libtorch).
#
#   lora4j-native    build/native-cpu/liblora4j.so: the shim linked against libtorch_cpu and libc10 only
#                    (LORA4J_TORCH_LINK=CPU scripts/build-native.sh)
#   lora4j-libtorch  libtorch_cpu.so and libc10.so of the pinned torch (the venv's, or $LIBTORCH/lib), and
#                    every library they load from outside the system folders (libgomp; the pip wheel's
#                    libtorch_cpu.so also needs libcudart and libcupti from nvidia/cu13: small, and they
#                    load without a GPU)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ $# -ne 3 ]; then
  log "usage: scripts/stage-natives.sh <lora4j-native|lora4j-libtorch> <version> <out-dir>"; exit 2
fi
BUNDLE=$1 VERSION=$2 OUT=$3
PLATFORM=linux-x86_64
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  log "the native jars are built on Linux x86-64 only (this is $(uname -s)-$(uname -m))"; exit 1
fi

torch_lib_dir() {
  if [ -n "${LIBTORCH:-}" ]; then echo "$LIBTORCH/lib"; return; fi
  local dir
  dir=$(ls -d "$(venv_dir)"/lib/python3*/site-packages/torch/lib 2>/dev/null | head -n 1)
  if [ -z "$dir" ] || [ ! -f "$dir/libtorch_cpu.so" ]; then
    log "no libtorch under $(venv_dir) (make it with scripts/setup-venv.sh, or set LIBTORCH)"; exit 1
  fi
  echo "$dir"
}

files=()
case "$BUNDLE" in
  lora4j-native)
    lib="$LORA4J_ROOT/build/native-cpu/liblora4j.so"
    if [ ! -f "$lib" ]; then
      log "$lib is missing: build it with LORA4J_TORCH_LINK=CPU bash scripts/build-native.sh (scripts/test.sh does)"
      exit 1
    fi
    if readelf -d "$lib" | grep -q 'NEEDED.*libtorch\.so\]\|NEEDED.*cuda'; then
      log "$lib links libtorch.so or CUDA: it is not the CPU variant; rebuild with LORA4J_TORCH_LINK=CPU"; exit 1
    fi
    files=("$lib")
    ;;
  lora4j-libtorch)
    dir=$(torch_lib_dir)
    files=("$dir/libc10.so" "$dir/libtorch_cpu.so")
    # What libtorch_cpu.so and libc10.so load from outside the system's folders, as the loader resolves it.
    while read -r dep; do
      case " ${files[*]} " in *" $dep "*) ;; *) files+=("$dep") ;; esac
    done < <(ldd "$dir/libtorch_cpu.so" "$dir/libc10.so" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' \
      | grep -v -E '^/(usr/)?lib(64)?/' | sort -u)
    ;;
  *) log "unknown bundle $BUNDLE (lora4j-native or lora4j-libtorch)"; exit 2 ;;
esac

dest="$OUT/dev/lora4j/natives/$PLATFORM"
mkdir -p "$dest"
index="$dest/$BUNDLE.bundle"
{
  echo "# lora4j native bundle: written by scripts/stage-natives.sh; read by dev.lora4j.tensor.NativeBundle"
  echo "bundle=$BUNDLE"
  echo "version=$VERSION"
  echo "platform=$PLATFORM"
} >"$index.tmp"
for f in "${files[@]}"; do
  name=$(basename "$f")
  # Copy only what changed, so a rebuild with the same libtorch does not rewrite 450 MB.
  if [ ! -f "$dest/$name" ] || ! cmp -s "$f" "$dest/$name"; then cp "$f" "$dest/$name"; fi
  printf 'file=%s %s %s\n' "$(sha256sum "$dest/$name" | cut -d' ' -f1)" "$(stat -c %s "$dest/$name")" "$name" >>"$index.tmp"
done
# Rewritten only when it changed: a new timestamp would make maven-jar-plugin re-pack 450 MB.
if cmp -s "$index.tmp" "$index"; then rm "$index.tmp"; else mv "$index.tmp" "$index"; fi
log "staged $BUNDLE: ${#files[@]} files, $(du -shL "$dest" | cut -f1) in $dest"
