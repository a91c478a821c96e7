# Production image. Build: docker build -t registry . ; run with DATABASE_URL set (see docker-compose.yml).
# CI does not build this image: build and start it after changing this file.
#
# Node 22. The code runs on Node 20.19 or later (package.json engines, .nvmrc; require(esm) arrived in
# 20.19), which is what CI tests; the image takes 22 because Node 20 is past its end of life and several
# runtime dependencies (nestjs-pino, cookie, file-type) declare Node 22 as their floor.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY .swcrc tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
COPY migrations ./migrations
COPY console ./console
# Pruning the development packages also drops the embedded PostgreSQL (about 60 MB; the image always
# uses DATABASE_URL) and pino-pretty (the image logs JSON).
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    LOG_FORMAT=json \
    DATA_DIR=/app/var
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# The build script: without swc here, `npm start` and `npm run cli` keep dist/ instead of deleting it.
COPY --from=build --chown=node:node /app/scripts ./scripts
COPY --chown=node:node docker-entrypoint.sh ./docker-entrypoint.sh
RUN chmod 0755 docker-entrypoint.sh && mkdir -p /app/var && chown node:node /app/var
USER node
VOLUME ["/app/var"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["/app/docker-entrypoint.sh"]
