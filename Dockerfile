# syntax=docker/dockerfile:1
# One image for every verification-saga process (api, worker, migrate, sandbox): they run from
# source with tsx, as in development. The workflow bundle is built here, so the worker starts
# without running webpack; docker-compose.yml picks the command per service.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
WORKDIR /app

# Dependencies first, so a source change does not reinstall them. Runtime needs no
# devDependencies: tsx and typescript are dependencies.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .
RUN npx tsx worker/bundle.ts dist/workflow-bundle.js
ENV WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    PATH=/app/node_modules/.bin:$PATH

# Source stays root-owned and read-only to the service user; /data is its one writable
# place (face pictures when collection is on).
RUN mkdir -p /data/face-pictures && chown -R node:node /data
USER node
EXPOSE 3000 8888 8025
# tsx itself, not `npx tsx`: npm would swallow SIGTERM and skip the graceful shutdown.
CMD ["tsx", "api/main.ts"]
