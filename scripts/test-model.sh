#!/usr/bin/env bash
# npm run test:model -- [--runs N] [--seed S] [--path P] [--replay-path R] [--max-commands M] [--no-shrink]
# The model-based test (test/model) in long mode: N random sequences (default 50) against the
# real stack; prints the seed, how many sequences and steps ran, and the outcomes they reached.
# A failure prints fast-check's seed, path and the sequence's replayPath: pass the three back
# (with --runs 1) to replay exactly that sequence.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
export MODEL_RUNS=50
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) MODEL_RUNS=$2; shift 2 ;;
    --seed) export MODEL_SEED=$2; shift 2 ;;
    --path) export MODEL_PATH=$2; shift 2 ;;
    --replay-path) export MODEL_REPLAY_PATH=$2; shift 2 ;;
    --max-commands) export MODEL_MAX_COMMANDS=$2; shift 2 ;;
    --no-shrink) export MODEL_NO_SHRINK=1; shift ;;
    *) echo "test:model: unknown option $1 (use --runs, --seed, --path, --replay-path, --max-commands, --no-shrink)" >&2; exit 2 ;;
  esac
done
exec node_modules/.bin/jest test/model/model.test.ts
