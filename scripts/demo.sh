#!/usr/bin/env bash
# The README's main-job command: provisions what it needs (idempotently), then runs the embedded
# default job through the CLI launcher: a tiny byte-level T5 built and pretrained here, LoRA-tuned on
# generated dialogues, ROUGE before/after and an HTML report (docs/DEMO.md). Nothing is downloaded.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$LORA4J_ROOT"
log "running the embedded default: ./lora4j demo $*"
exec ./lora4j demo "$@"
