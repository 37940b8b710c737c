# The ingress and the worker share one image; docker-compose.yml picks the entry point.
# Node 24 LTS, the exact release the project was tested on (docs/production.md "Node version").
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24.22.3-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY flows ./flows
COPY sources ./sources
COPY schemas ./schemas
# `hookflow test` and `hookflow send --sample` read samples/; outbound destinations are read from
# destinations/ (none ship: mount your own destinations/*.yaml there).
COPY samples ./samples
RUN mkdir -p destinations
# V8 heap flags of every hookflow process (lib/heap-flags.ts says why).
ENV NODE_OPTIONS="--max-semi-space-size=4 --max-old-space-size=1024"
ENV HOOKFLOW_FLOWS_DIR=/app/flows HOOKFLOW_SOURCES_DIR=/app/sources HOOKFLOW_SCHEMAS_DIR=/app/schemas HOOKFLOW_DESTINATIONS_DIR=/app/destinations
USER node
CMD ["node", "dist/server/main.js"]
