# Wharf: one image for every process (api, worker, scanner, migrate); pick one with the command.
#   docker build -t wharf .
#   docker run wharf                                      # api on :8080
#   docker run wharf node dist/apps/worker/src/main.js    # worker
#   docker run wharf node dist/apps/scanner/src/main.js   # scanner (pluggable scanner API) on :8090
#   docker run wharf node dist/libs/db/src/migrate.js     # migrations (one-shot)
# Node 24, the current LTS line (20 reached its end of life in April 2026; the AWS SDK warns below 22).
# Uses no BuildKit-only syntax, so the legacy builder (Debian's docker.io, no buildx) builds it too.

FROM node:24-bookworm-slim AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
RUN npm ci
COPY .swcrc tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY scripts ./scripts
RUN npm run build \
 && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
# glibc malloc: two arenas instead of eight per core, and a fixed 128 KiB mmap threshold so large
# buffers (a password hash's 16 MiB scrypt block) go back to the system when freed instead of
# staying in the arenas: tens of MB of resident memory after load; and V8's young generation held
# to 8 MiB semi-spaces instead of 16, which a busy api otherwise keeps committed (docs/architecture.md, Memory)
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=8 \
    PORT=8080 \
    STORAGE_FS_ROOT=/app/data/storage \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
# code and dependencies stay root-owned (read-only for the process); only data/ is writable
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /app/data/storage /app/data/secrets && chown -R node:node /app/data
USER node
EXPOSE 8080 8090
CMD ["node", "dist/apps/api/src/main.js"]
