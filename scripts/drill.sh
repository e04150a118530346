#!/usr/bin/env bash
# npm run drill -- [--journeys N] [--seed S] [--concurrency C] [--rebinds R]
# The fault drill (test/drill) in long mode: N journeys (default 60) while worker processes are
# SIGKILLed at random moments and Redis and Postgres restart once; then an audit of Postgres and
# the sandboxes' inboxes that prints attempted / acknowledged / lost / duplicated per effect.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
export DRILL_JOURNEYS=60
while [ $# -gt 0 ]; do
  case "$1" in
    --journeys) DRILL_JOURNEYS=$2; shift 2 ;;
    --seed) export DRILL_SEED=$2; shift 2 ;;
    --concurrency) export DRILL_CONCURRENCY=$2; shift 2 ;;
    --rebinds) export DRILL_REBINDS=$2; shift 2 ;;
    *) echo "drill: unknown option $1 (use --journeys, --seed, --concurrency, --rebinds)" >&2; exit 2 ;;
  esac
done
exec node_modules/.bin/jest test/drill/drill.test.ts
