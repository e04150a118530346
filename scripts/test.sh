#!/usr/bin/env bash
# npm test: installs what is missing, then typecheck, lint and every jest suite: the unit
# project first (no server), then the others against a real Temporal dev server,
# PostgreSQL, Redis and the sandboxes (jest.config.js); test/engine against the full
# Temporal server on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
# the clone must stay as it was: nothing npm test runs may write a tracked or unignored file
status_before=$(git status --porcelain 2>/dev/null || true)
bash scripts/ensure-services.sh
# the production engine's suite (test/engine) runs on the full Temporal server: built here
# once per machine (several minutes the first time, then cached under ~/.cache/vsaga);
# exit 3 is "no Go and nothing cached": the suite then skips, saying so
bash scripts/ensure-temporal-server.sh || [ $? -eq 3 ]

# Debian packages some tests drive; installed once per machine when missing.
ensure_deb() { # <why> <check command> <packages…>
  local why=$1 check=$2; shift 2
  bash -c "$check" >/dev/null 2>&1 && return 0
  echo "ensure: installing $* (Debian) $why…" >&2
  { apt-get install -y -qq "$@" || { apt-get update -qq && apt-get install -y -qq "$@"; }; } >&2
}
# the compose file is checked by a real Compose parser, no engine needed
ensure_deb "to validate docker-compose.yml" "command -v docker-compose || docker compose version" docker-compose
# the demo console's browser test drives Debian's Chromium with playwright-core (no browser
# download); a CJK font so its screenshot shows the Chinese text
ensure_deb "for the browser tests" "command -v chromium" chromium
ensure_deb "(CJK font for the console screenshot)" "fc-list | grep -qi 'wenquanyi\\|noto sans cjk'" fonts-wqy-zenhei

echo "== typecheck"; node_modules/.bin/tsc --noEmit -p .
echo "== lint"; node_modules/.bin/eslint .
[ $# -gt 0 ] && { echo "== tests"; exec node_modules/.bin/jest "$@"; }
# the suites that need no server first (seconds), then the rest, each suite once
echo "== unit tests"; bash scripts/test-unit.sh
echo "== tests"; node_modules/.bin/jest --selectProjects lint stack --testPathIgnorePatterns /test/drill/ /test/image/
# alone: it SIGKILLs and restarts worker processes, which would starve the timed suites
echo "== fault drill"; node_modules/.bin/jest test/drill
# alone too: npm ci and tsc in a scratch folder take both cores for minutes
echo "== image"; node_modules/.bin/jest test/image
status_after=$(git status --porcelain 2>/dev/null || true)
if [ "$status_after" != "$status_before" ]; then
  echo "npm test changed the clone (git status --porcelain before, then after):" >&2
  diff <(echo "$status_before") <(echo "$status_after") >&2 || true
  exit 1
fi
echo "== the clone is as it was (git status --porcelain unchanged)"
