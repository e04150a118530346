#!/usr/bin/env bash
# Makes sure what the service runs on is there: node modules, the Temporal CLI,
# PostgreSQL and Redis (started if installed but stopped). Idempotent and quiet when
# everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm ci: exactly the committed lock (it records every platform's optional packages), which
  # it never rewrites, so the clone stays clean; npm install would re-resolve and rewrite it
  echo "ensure: installing node modules (npm ci)…" >&2
  npm ci --no-audit --no-fund >&2
fi

bash scripts/ensure-temporal.sh

PGHOST_CHECK="${VSAGA_PG_HOST:-127.0.0.1}"
if ! pg_isready -q -h "$PGHOST_CHECK" -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "ensure: starting PostgreSQL…" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start >&2 || true
    for _ in $(seq 1 30); do pg_isready -q -h "$PGHOST_CHECK" -p 5432 && break; sleep 0.5; done
  fi
  pg_isready -q -h "$PGHOST_CHECK" -p 5432 || { echo "ensure: PostgreSQL is not reachable on $PGHOST_CHECK:5432 (set DATABASE_URL to yours)" >&2; exit 1; }
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null; then
    echo "ensure: starting Redis…" >&2
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >&2
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
  fi
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "ensure: Redis is not reachable on 127.0.0.1:6379 (set REDIS_URL to yours)" >&2; exit 1; }
fi
