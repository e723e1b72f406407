# syntax=docker/dockerfile:1
# The Agate token server as a small, non-root image.
#   docker build -t agate .
#   docker run --rm -p 8080:8080 -e AGORA_APP_ID=... -e AGORA_APP_CERTIFICATE_FILE=/run/secrets/cert ... agate
# Secrets (App Certificate, API key hashes, REDIS_URL with a password) are given when the container
# runs, as environment variables or better as files (`*_FILE`): never at build time, never baked in.
# See docs/deploy.md.

# ---- build: compile TypeScript with the dev dependencies -------------------------------------
FROM node:20-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: nothing in the tree needs an install script to compile.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig*.json ./
COPY scripts ./scripts
COPY src ./src
COPY web ./web
RUN npm run build

# ---- deps: production dependencies only --------------------------------------------------------
FROM node:20-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime -------------------------------------------------------------------------------------
FROM node:20-alpine AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    AGATE_HOST=0.0.0.0 \
    AGATE_PORT=8080
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# The files belong to root and are read-only to the server's user (1000, "node" in this image).
# It writes nothing (logs go to stdout), so the container can run with a read-only root file system.
USER 1000:1000
EXPOSE 8080
# Liveness of the process; readiness (/readyz) is for load balancers and Kubernetes probes.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.AGATE_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM (docker stop, Kubernetes) drains: in-flight requests finish, then the process exits 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/cli/main.js", "serve"]
