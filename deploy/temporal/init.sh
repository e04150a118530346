#!/bin/sh
# One-shot (temporalio/admin-tools image, `temporal-init` in docker-compose.yml): waits until
# the Temporal server answers, makes sure our namespace exists, then registers the custom
# search attributes the workflows upsert (lib/search-attributes.ts; the dev server gets the
# same list from scripts/temporal-dev.ts). Idempotent: what exists already is left alone.
#
#   SEARCH_ATTRIBUTES   space-separated Name=Type pairs, e.g. "VsFlowKind=Keyword VsAccountId=Keyword"
#   TEMPORAL_ADDRESS    host:port of the frontend
#   TEMPORAL_NAMESPACE  namespace to create and register the attributes in (default: default)
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
: "${SEARCH_ATTRIBUTES:?SEARCH_ATTRIBUTES is required}"
NS=${TEMPORAL_NAMESPACE:-default}
RETENTION=${NAMESPACE_RETENTION:-72h}
ATTEMPTS=${INIT_MAX_ATTEMPTS:-90}
PAUSE=${INIT_SLEEP_SECONDS:-2}

# retry DESCRIPTION COMMAND...: runs COMMAND until it succeeds, at most ATTEMPTS times
retry() {
  what=$1
  shift
  n=1
  until "$@"; do
    if [ "$n" -ge "$ATTEMPTS" ]; then
      echo "temporal-init: gave up on: $what" >&2
      exit 1
    fi
    echo "temporal-init: not yet: $what ($n/$ATTEMPTS)"
    n=$((n + 1))
    sleep "$PAUSE"
  done
}

server_serving() {
  temporal operator cluster health --address "$TEMPORAL_ADDRESS" 2>/dev/null | grep -q SERVING
}

namespace_exists() {
  temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NS" >/dev/null 2>&1 ||
    temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NS" --retention "$RETENTION"
}

registered() {
  temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NS" 2>/dev/null | grep -qw "$1"
}

attribute_exists() {
  registered "$1" ||
    temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$NS" --name "$1" --type "$2"
}

retry "Temporal server at $TEMPORAL_ADDRESS serving" server_serving
retry "namespace $NS" namespace_exists
for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  retry "search attribute $name ($type)" attribute_exists "$name" "$type"
done
# A just-created attribute shows up in the list once the namespace cache has caught up.
for pair in $SEARCH_ATTRIBUTES; do
  retry "search attribute ${pair%%=*} listed" registered "${pair%%=*}"
done
echo "temporal-init: namespace $NS ready with search attributes: $SEARCH_ATTRIBUTES"
