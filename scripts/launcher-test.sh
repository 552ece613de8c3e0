#!/usr/bin/env bash
# Checks ./lora4j as a user calls it (issue 15): from another folder, by its path and through a link on
# PATH, relative paths meaning the caller's folder, and not a word of provisioning when everything is
# built. Run by scripts/test.sh after its build; a few seconds.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lora4j-launcher.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/bin" "$WORK/caller/models"
ln -s "$LORA4J_ROOT/lora4j" "$WORK/bin/lora4j"
# A T5 config alone is a valid --model (random weights): a relative path only the caller's folder has.
cat >"$WORK/caller/models/tiny.json" <<'EOF'
{"model_type": "t5", "vocab_size": 384, "d_model": 16, "d_kv": 4, "d_ff": 32, "num_layers": 1, "num_decoder_layers": 1,
 "num_heads": 2, "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128,
 "dropout_rate": 0.1, "layer_norm_epsilon": 1e-6, "initializer_factor": 1.0,
 "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false, "is_encoder_decoder": true,
 "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0}
EOF

# Once to build whatever is stale (it may talk then), then the checked runs.
(cd "$WORK/caller" && "$LORA4J_ROOT/lora4j" --version >/dev/null)
check() {
  local how=$1; shift
  (cd "$WORK/caller" && "$@" info -m models/tiny.json >"$WORK/out.txt" 2>"$WORK/err.txt") \
    || { log "launcher test ($how) failed:"; cat "$WORK/out.txt" "$WORK/err.txt" >&2; exit 1; }
  grep -q 'models/tiny.json' "$WORK/out.txt" || { log "launcher test ($how): no model line"; cat "$WORK/out.txt" >&2; exit 1; }
  if [ -s "$WORK/err.txt" ]; then
    log "launcher test ($how): printed on stderr although nothing needed building:"; cat "$WORK/err.txt" >&2; exit 1
  fi
}
check "by its path" "$LORA4J_ROOT/lora4j"
check "through a link on PATH" env PATH="$WORK/bin:$PATH" lora4j
log "launcher test passed: relative paths from the caller's folder, silent when built"
