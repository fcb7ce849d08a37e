# syntax=docker/dockerfile:1
# The coordinator's worker. docker-compose.yml builds it; alone: docker build -t deployment-coordinator-worker .
# Run it with TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* as needed) and a
# deploy.config.json at DEPLOY_CONFIG. It holds the CDK CLI that the cdk deployer runs.
ARG NODE_IMAGE=node:22.20.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle.js scripts/code-cache-loader.js ./scripts/
# The worker's sources only (the benchmark, also in tsconfig.build.json, stays out of the image), and deployctl.
RUN echo '{ "extends": "./tsconfig.build.json", "include": ["src"] }' > tsconfig.image.json \
  && npx tsc -p tsconfig.image.json \
  && node dist/src/worker/workflow-bundle.js dist/workflow-bundle.js \
  && node scripts/bundle.js --built

FROM ${NODE_IMAGE}
# tini as PID 1 passes SIGTERM on to the worker (which then stops its deploy commands' process groups cleanly) and
# reaps what they leave behind.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini ca-certificates \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/deployctl.js ./dist/deployctl.js
# Bundled at build time, so that a (re)started worker polls within a second or so instead of bundling first.
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
ENV DEPLOY_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
COPY bin ./bin
COPY scripts/deploy.sh scripts/demo-deploy.sh ./scripts/
COPY deploy.config.json ./
USER node
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["node", "dist/src/worker/healthcheck.js"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# The heap limit and the malloc arenas: src/worker/launch-settings.ts says why.
ENV MALLOC_ARENA_MAX=2
CMD ["node", "--max-old-space-size=1024", "dist/src/worker.js"]
