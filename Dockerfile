# brflow worker image: `docker compose up` builds it (see docker-compose.yml).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY proto ./proto
# The workflow bundle is built here, not by each worker at start: webpack in the worker costs ~150 MiB of RSS.
RUN npm run build \
 && node -e "require('./dist/worker/workflow-bundle').writeWorkflowBundle('dist/workflow-bundle.js').catch((e) => { console.error(e); process.exit(1); })" \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# A prebuilt bundle, and a heap bound: V8 otherwise sizes the heap from the host's memory and lets a worker whose
# live heap is ~100–250 MiB grow to several times that in garbage (bench/README.md, scale). 1 GiB, not the 384 MiB
# the scale bench runs with: planning holds the whole manifest for a moment (~300 MiB of heap at 100k files), and
# a worker killed by its own heap bound would retry the plan activity for ever. Lower it where backups are small.
ENV BRFLOW_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js NODE_OPTIONS=--max-old-space-size=1024
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY package.json ./
USER node
ENTRYPOINT ["node", "bin/brflow"]
CMD ["worker"]
