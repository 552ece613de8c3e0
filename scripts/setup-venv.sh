#!/usr/bin/env bash
# Makes (or checks) the project's pinned Python environment: torch 2.11.0 provides libtorch for the
# shim; transformers, peft, sentencepiece, tokenizers and rouge-score are the parity references.
# Idempotent: a second run only verifies the stamp and takes a second.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV=$(venv_dir)
REQS="$LORA4J_ROOT/scripts/requirements.txt"
STAMP="$VENV/.lora4j-installed"
PYTHON=${LORA4J_PYTHON:-python3}

# The late references (requirements-late.txt) go into the same venv under a stamp of their own, and
# AdapterHub gets its own venv that borrows torch from this one (see requirements-adapterhub.txt).
install_late_references() {
  local late="$LORA4J_ROOT/scripts/requirements-late.txt" stamp="$VENV/.lora4j-late-installed"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$late"; then return 0; fi
  log "installing late reference packages from scripts/requirements-late.txt into $VENV"
  "$VENV/bin/python" -m pip install --quiet --progress-bar off -r "$late"
  "$VENV/bin/python" -c 'import bitsandbytes, torch; print(f"[lora4j] bitsandbytes {bitsandbytes.__version__} over torch {torch.__version__}")'
  cp "$late" "$stamp"
}

install_adapterhub_venv() {
  local reqs="$LORA4J_ROOT/scripts/requirements-adapterhub.txt"
  local venv2 stamp site main_site
  venv2=$(adapterhub_venv_dir)
  stamp="$venv2/.lora4j-installed"
  if [ -f "$stamp" ] && cmp -s "$stamp" "$reqs"; then
    log "adapterhub venv ready: $venv2"
    return 0
  fi
  log "creating the AdapterHub reference venv at $venv2 (transformers 4.57 + adapters; torch from $VENV)"
  [ -x "$venv2/bin/python" ] || "$PYTHON" -m venv "$venv2"
  site=$("$venv2/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  main_site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  # A .pth line is appended to sys.path after the venv's own site-packages: own packages win.
  echo "$main_site" > "$site/lora4j-main-venv.pth"
  "$venv2/bin/python" -m pip install --quiet --progress-bar off --no-deps -r "$reqs"
  "$venv2/bin/python" - <<'PY'
import adapters, torch, transformers
assert transformers.__version__.startswith("4.57."), transformers.__version__
print(f"[lora4j] adapters {adapters.__version__}, transformers {transformers.__version__}, torch {torch.__version__}")
PY
  cp "$reqs" "$stamp"
  log "adapterhub venv ready: $venv2"
}

if [ -f "$STAMP" ] && cmp -s "$STAMP" "$REQS"; then
  log "python venv ready: $VENV"
  install_late_references
  install_adapterhub_venv
  exit 0
fi

log "creating python venv at $VENV (torch and its CUDA runtime wheels: several GB on first run)"
mkdir -p "$(dirname "$VENV")"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
log "installing pinned packages from scripts/requirements.txt"
"$VENV/bin/python" -m pip install --quiet --progress-bar off -r "$REQS"
"$VENV/bin/python" - <<'PY'
import torch, transformers, peft, sentencepiece, tokenizers, rouge_score, safetensors, clang.cindex
print(f"[lora4j] torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}")
PY
cp "$REQS" "$STAMP"
log "python venv ready: $VENV"
install_late_references
install_adapterhub_venv
