#!/usr/bin/env bash
# The README's main-job command: provisions what it needs (idempotently), then runs the embedded
# default job through the CLI launcher.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$LORA4J_ROOT"
log "running the embedded default: ./lora4j linear-demo"
exec ./lora4j linear-demo "$@"
