#!/usr/bin/env bash
# npm run build: the production build the image runs with plain node, no tsx:
#   dist/<folder>/*.js        the service compiled by tsc (tsconfig.build.json)
#   dist/db/migrations, dist/console   the files the code reads beside itself at run time
#   dist/workflow-bundle.js   the workflows bundled ahead of time (WORKFLOW_BUNDLE), and
#   dist/workflow-bundle.traced.js  the same with the tracing interceptors (picked when traces are on)
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
node_modules/.bin/tsc -p tsconfig.build.json
cp -r db/migrations dist/db/migrations
cp -r console dist/console
node dist/worker/bundle.js dist/workflow-bundle.js
