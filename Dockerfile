# driftwatch: a multi-stage build on Debian's Node 20 image.
#   build:   npm ci with the dev tools, tsc into dist/, then drop the dev dependencies
#   runtime: dist/, the production node_modules, the bundled baselines and alert templates;
#            runs as the unprivileged `node` user, stores in the /data volume.
# docker build -t driftwatch . && docker run --rm driftwatch --help

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts are needed: DuckDB's binding comes as a prebuilt platform package.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY baselines ./baselines
COPY alerts ./alerts
RUN mkdir -p /data /etc/driftwatch && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# /healthz answers 200 while the process runs (readiness, /readyz, waits for the consumers).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve", "--config", "/etc/driftwatch/driftwatch.yaml"]
