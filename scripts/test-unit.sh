#!/usr/bin/env bash
# npm run test:unit: the suites that need no server (jest project `unit`: test/unit; the
# slower test/lint suites are their own project, run by npm test). No global setup, so nothing is started: no database, Redis or Temporal.
# Prints how long the whole run took, jest's start included.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s%N)
status=0
node_modules/.bin/jest --selectProjects unit "$@" || status=$?
echo "test:unit took $(( ($(date +%s%N) - start) / 1000000 )) ms" >&2
exit "$status"
