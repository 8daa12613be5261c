# The store as one image: web server, Socket.IO and (by default) the job workers.
#
#   docker build -t storefront .
#   docker run -p 3000:3000 -e SESSION_SECRET=… -e JWT_SECRET=… \
#     -e DATABASE_URL=postgresql://… -e REDIS_URL=redis://… storefront
#
# NODE_ENV=production refuses to start without SESSION_SECRET and JWT_SECRET (32+ chars).
# Without DATABASE_URL the server runs an embedded PostgreSQL under /app/.data; without
# REDIS_URL it keeps sessions, cache and jobs in-process (single instance). Migrations are
# applied at start, so prisma/ and the schema engine packages ship in the runtime image.
# `npm install`, not `npm ci`: the lockfile lacks other platforms' optional binaries.

ARG NODE_IMAGE=node:20-bookworm-slim

# ── dependencies (all of them: the build needs the dev tools) ──
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV npm_config_update_notifier=false
COPY package.json package-lock.json ./
# No scripts here: the root postinstall (prisma generate) needs the schema, which the build
# stage copies in and generates from; no dependency needs its install script.
RUN npm install --no-audit --no-fund --ignore-scripts

# ── build: Prisma client, React Router build, esbuild bundles of server.ts and worker.ts ──
FROM deps AS build
COPY . .
RUN npx prisma generate && npm run build

# ── production dependencies only ──
FROM deps AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund

# ── runtime ──
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production PORT=3000
WORKDIR /app
# Code stays owned by root (read-only to the app); only the data directories are writable.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/build ./build
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/public ./public
RUN mkdir -p .data uploads outbox logs && chown node:node .data uploads outbox logs
USER node
VOLUME ["/app/.data", "/app/uploads"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "build/server.js"]
