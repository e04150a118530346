#!/bin/sh
# One-shot (temporalio/admin-tools image, `temporal-schema` in docker-compose.yml): creates
# Temporal's two databases on its own PostgreSQL and applies the schema versions that ship
# with the admin-tools image. Every step is idempotent, so it runs on every `docker compose up`
# and upgrades the schema after the image tags are bumped.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
PORT=${DB_PORT:-5432}
SCHEMA_ROOT=/etc/temporal/schema/postgresql/v12
ATTEMPTS=${SETUP_MAX_ATTEMPTS:-60}

n=1
until nc -z -w 2 "$POSTGRES_SEEDS" "$PORT"; do
  if [ "$n" -ge "$ATTEMPTS" ]; then
    echo "temporal-schema: PostgreSQL at $POSTGRES_SEEDS:$PORT never answered" >&2
    exit 1
  fi
  echo "temporal-schema: waiting for PostgreSQL at $POSTGRES_SEEDS:$PORT ($n/$ATTEMPTS)"
  n=$((n + 1))
  sleep 2
done

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$PORT" "$@"
}

for db in temporal:temporal temporal_visibility:visibility; do
  name=${db%%:*}
  dir=${db#*:}
  echo "temporal-schema: database $name"
  sql --db "$name" create
  sql --db "$name" setup-schema -v 0.0
  sql --db "$name" update-schema -d "$SCHEMA_ROOT/$dir/versioned"
done
echo "temporal-schema: done"
