#!/usr/bin/env bash
# npm test: installs what is missing, then typecheck, lint and every jest suite
# against a real Temporal dev server, PostgreSQL, Redis and the sandboxes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
echo "== typecheck"; node_modules/.bin/tsc --noEmit -p .
echo "== lint"; node_modules/.bin/eslint .
echo "== tests"; exec node_modules/.bin/jest "$@"
