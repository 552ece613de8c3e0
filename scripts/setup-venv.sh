#!/usr/bin/env bash
# Makes (or checks) the project's pinned Python environment: torch 2.11.0 provides libtorch for the
# shim; transformers, peft, sentencepiece, tokenizers and rouge-score are the parity references.
# Idempotent: a second run only verifies the stamp and takes a second.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV=$(venv_dir)
REQS="$LORA4J_ROOT/scripts/requirements.txt"
STAMP="$VENV/.lora4j-installed"
PYTHON=${LORA4J_PYTHON:-python3}

if [ -f "$STAMP" ] && cmp -s "$STAMP" "$REQS"; then
  log "python venv ready: $VENV"
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
