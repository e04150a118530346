#!/usr/bin/env bash
# The production engine: the full Temporal server (`server`) and its schema tool
# (`temporal-sql-tool`), built with Go from the module proxy once per machine and kept by
# version under ~/.cache/vsaga/temporal-server-<version>/, where a clean clone finds them
# again (like scripts/ensure-temporal.sh does for the CLI). The schema files and config
# templates are read from the module's source in the Go module cache.
#
# Prints nothing on stdout but, with --print-env, the lines
#   TEMPORAL_SERVER_BIN=…  TEMPORAL_SQL_TOOL=…  TEMPORAL_SERVER_SRC=…
# for scripts/temporal-server.ts. Exit 3 when Go is absent and nothing is cached.
set -euo pipefail
VERSION=v1.29.1 # scripts/temporal-server.ts TEMPORAL_SERVER_VERSION and docker-compose.yml's temporalio/server: one release
CACHE_ROOT="${VSAGA_CACHE_DIR:-$HOME/.cache/vsaga}"
DIR="$CACHE_ROOT/temporal-server-$VERSION"
MOD=go.temporal.io/server

src_dir() { # the module's source in the Go module cache (read-only there)
  local modcache
  modcache=$(go env GOMODCACHE 2>/dev/null) || return 1
  local d="$modcache/$MOD@$VERSION"
  [ -d "$d/schema/postgresql/v12" ] && echo "$d"
}

have_all() {
  [ -x "$DIR/server" ] && [ -x "$DIR/temporal-sql-tool" ] && [ -d "$DIR/src/schema/postgresql/v12" ]
}

if ! have_all; then
  command -v go >/dev/null || {
    echo "ensure-temporal-server: Go is needed to build the Temporal server $VERSION (nothing in $DIR)" >&2
    exit 3
  }
  mkdir -p "$DIR"
  started=$(date +%s)
  if [ ! -x "$DIR/server" ]; then
    echo "ensure-temporal-server: building the Temporal server $VERSION with go install (first time on this machine: several minutes)…" >&2
    (cd /tmp && GOBIN="$DIR" GOFLAGS=-mod=mod go install "$MOD/cmd/server@$VERSION") >&2
  fi
  if [ ! -x "$DIR/temporal-sql-tool" ]; then
    echo "ensure-temporal-server: building temporal-sql-tool $VERSION…" >&2
    (cd /tmp && GOBIN="$DIR" GOFLAGS=-mod=mod go install "$MOD/cmd/tools/sql@$VERSION") >&2
    mv "$DIR/sql" "$DIR/temporal-sql-tool"
  fi
  src=$(src_dir) || { echo "ensure-temporal-server: $MOD@$VERSION is not in the Go module cache after the build" >&2; exit 1; }
  # a copy of what the engine reads (schema + config templates), so the cache stands alone
  # even if the module cache is cleaned
  rm -rf "$DIR/src.tmp" && mkdir -p "$DIR/src.tmp"
  cp -r "$src/schema" "$src/config" "$DIR/src.tmp/"
  chmod -R u+w "$DIR/src.tmp"
  rm -rf "$DIR/src" && mv "$DIR/src.tmp" "$DIR/src"
  echo "ensure-temporal-server: built $VERSION in $(( $(date +%s) - started )) s ($DIR)" >&2
fi

if [ "${1:-}" = "--print-env" ]; then
  echo "TEMPORAL_SERVER_BIN=$DIR/server"
  echo "TEMPORAL_SQL_TOOL=$DIR/temporal-sql-tool"
  echo "TEMPORAL_SERVER_SRC=$DIR/src"
fi
