# The ingress and the worker share one image; docker-compose.yml picks the entry point.
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20.19-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY flows ./flows
COPY sources ./sources
COPY schemas ./schemas
# V8 heap flags of every hookflow process (lib/heap-flags.ts says why).
ENV NODE_OPTIONS="--max-semi-space-size=4 --max-old-space-size=1024"
ENV HOOKFLOW_FLOWS_DIR=/app/flows HOOKFLOW_SOURCES_DIR=/app/sources HOOKFLOW_SCHEMAS_DIR=/app/schemas
USER node
CMD ["node", "dist/server/main.js"]
