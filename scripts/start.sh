#!/usr/bin/env bash
# npm start: everything from a clean clone to a running stack.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
exec node --import tsx scripts/dev.ts "$@"
