# syntax=docker/dockerfile:1
# The Agate token server as a small, non-root image.
#   docker build -t agate .
#   docker run --rm -p 8080:8080 -e AGORA_APP_ID=... -e AGORA_APP_CERTIFICATE_FILE=/run/secrets/cert ... agate
# Secrets (App Certificate, API key hashes, a Redis URL with a password) are given when the container
# runs, as environment variables or better as files (`*_FILE`): never at build time, never baked in.
# See docs/deploy.md.

# Node 24, the current LTS line, pinned to a release and an Alpine branch so that a rebuild gets the
# same runtime. For reproducible builds pin the digest too (docs/deploy.md says how), e.g.
#   docker build --build-arg NODE_IMAGE=node:24.21.0-alpine3.22@sha256:<digest> -t agate .
ARG NODE_IMAGE=node:24.21.0-alpine3.22

# ---- build: compile TypeScript with the dev dependencies -------------------------------------
FROM ${NODE_IMAGE} AS build
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
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime -------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: it forwards every signal to the server (so a second SIGTERM or Ctrl-C exits at once,
# as the README says) and reaps zombies, which a Node process as PID 1 does not do.
RUN apk add --no-cache tini
WORKDIR /app
# No AGATE_PORT here: the server listens on AGATE_PORT, else PORT (set by hosting platforms), else
# 8080; an AGATE_PORT baked into the image would silently override a platform's PORT.
ENV NODE_ENV=production \
    AGATE_HOST=0.0.0.0
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# The files belong to root and are read-only to the server's user (1000, "node" in this image).
# It writes nothing (logs go to stdout), so the container can run with a read-only root file system.
USER 1000:1000
EXPOSE 8080
# Liveness of the process; readiness (/readyz) is for load balancers and Kubernetes probes. The port
# follows the server's own rule.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.AGATE_PORT||process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM (docker stop, Kubernetes) drains: in-flight requests finish, then the process exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/sbin/tini", "--"]
CMD ["node", "dist/cli/main.js", "serve"]
