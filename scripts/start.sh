#!/usr/bin/env bash
# npm start: everything from a clean clone to a running stack.
#   npm start                      on the Temporal CLI dev server (SQLite, Web UI)
#   npm start -- --engine=server   on the full Temporal server over this machine's PostgreSQL
#                                  (also VSAGA_TEMPORAL_ENGINE=server); built once per machine
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
engine=${VSAGA_TEMPORAL_ENGINE:-dev}
prev=
for a in "$@"; do
  case $a in --engine=*) engine=${a#--engine=} ;; esac
  [ "$prev" = --engine ] && engine=$a
  prev=$a
done
# the build's progress shows here, before anything else starts (minutes, the first time)
[ "$engine" = server ] && bash scripts/ensure-temporal-server.sh
exec node --import tsx scripts/dev.ts "$@"
