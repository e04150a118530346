#!/usr/bin/env bash
# Puts the Temporal CLI (dev server + Web UI) at .tools/bin/temporal. The SDK's own
# download cannot work without internet, so it is built from source with Go once per
# machine and kept by version under ~/.cache, where a clean clone finds it again.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.tools/bin/temporal
CACHE_ROOT="${VSAGA_CACHE_DIR:-$HOME/.cache/vsaga}"
[ -x "$BIN" ] && exit 0
mkdir -p .tools/bin
for v in v1.5.1 v1.5.0 v1.4.1; do
  cached="$CACHE_ROOT/temporal-$v/temporal"
  if [ ! -x "$cached" ]; then
    command -v go >/dev/null || { echo "ensure-temporal: Go is needed to build the Temporal CLI (no binary in $CACHE_ROOT)" >&2; exit 1; }
    echo "ensure-temporal: building Temporal CLI $v with go install (first time on this machine: a few minutes)…" >&2
    mkdir -p "$CACHE_ROOT/temporal-$v"
    if ! (cd /tmp && GOBIN="$CACHE_ROOT/temporal-$v" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$v") >&2; then
      echo "ensure-temporal: building $v failed; trying an older release" >&2
      continue
    fi
  fi
  ln -sf "$cached" "$BIN"
  echo "ensure-temporal: using Temporal CLI $v ($cached)" >&2
  exit 0
done
echo "ensure-temporal: no Temporal CLI could be built; see the errors above" >&2
exit 1
