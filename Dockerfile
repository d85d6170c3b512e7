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
# live heap is ~100–250 MiB grow to several times that in garbage. 384 MiB keeps the worker within 512 MiB of RSS
# (issue #12), and is the bound the scale bench runs its worker with: src/worker/heap-bound.ts says why (a unit
# test keeps the two equal). Raise it, with the container's memory, for backups far beyond 100,000 files.
ENV BRFLOW_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js NODE_OPTIONS=--max-old-space-size=384
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY package.json ./
USER node
ENTRYPOINT ["node", "bin/brflow"]
CMD ["worker"]
