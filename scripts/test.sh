#!/usr/bin/env bash
# npm test: installs what is missing, then typecheck, lint and every jest suite
# against a real Temporal dev server, PostgreSQL, Redis and the sandboxes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
# The compose file is checked by a real Compose parser (Debian's docker-compose), no engine needed.
if ! command -v docker-compose >/dev/null && ! docker compose version >/dev/null 2>&1; then
  echo "ensure: installing docker-compose (Debian) to validate docker-compose.yml…" >&2
  { apt-get install -y -qq docker-compose || { apt-get update -qq && apt-get install -y -qq docker-compose; }; } >&2
fi
echo "== typecheck"; node_modules/.bin/tsc --noEmit -p .
echo "== lint"; node_modules/.bin/eslint .
echo "== tests"; exec node_modules/.bin/jest "$@"
