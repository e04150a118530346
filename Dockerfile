# syntax=docker/dockerfile:1
# One image for every verification-saga process (api, worker, migrate, sandbox), running the
# production build (npm run build) with plain node: no TypeScript, no dev dependencies.
# docker-compose.yml picks the command per service. test/image/dockerfile.test.ts performs
# these steps in a scratch directory (no engine there) and runs the result against a stack.

# ---- build: every dependency, compile, bundle the workflows ----
FROM node:20-bookworm-slim AS build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
WORKDIR /app
# dependencies first, so a source change does not reinstall them
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# ---- run: production dependencies and the build's output ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
ENV WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js

# Code stays root-owned and read-only to the service user; /data is its one writable
# place (face pictures when collection is on).
RUN mkdir -p /data/face-pictures && chown -R node:node /data
USER node
EXPOSE 3000 8888 8025
# node itself, not npm: npm would swallow SIGTERM and skip the graceful shutdown
CMD ["node", "dist/api/main.js"]
