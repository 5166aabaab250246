# Parley: one image per node. docs/deploy.md explains how to run it (compose, Kubernetes).
#
#   docker build -t parley .
#   docker run --rm -p 3000:3000 -v parley-data:/data parley
#
# Debian bookworm on purpose: the embedded engine's speech recognition uses bookworm's
# pocketsphinx (5prealpha) and its Python bindings, whose C structures the worker reads
# (src/engines/local/stt/worker/pocketsphinx_worker.py). A newer Debian ships a different one.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: TypeScript -> dist/, the browser client -> dist/web --------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
# tsc copies no other files: the speech-recognition worker (.py) goes next to the module that
# starts it (dist/engines/local/stt/worker/), as any other non-TypeScript file under src/ would.
RUN npm run build \
 && cd src && find . -type f ! -name '*.ts' ! -name '*.md' -exec cp --parents {} ../dist/ \;

# ---- deps: production node_modules only (no package has an install script) ----------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# What the embedded `local` engine runs: espeak-ng (voice), pocketsphinx with its US-English
# model through python3 (recognition); sox for `parley talk`/`parley phone` inside the image;
# tini as PID 1 (forwards SIGTERM to Node, reaps the engine's child processes).
# Not here: PostgreSQL, Redis, nginx, Chromium — tests and other containers.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      espeak-ng sox python3 python3-pocketsphinx pocketsphinx-en-us tini \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    PARLEY_DATA_DIR=/data
WORKDIR /app
# package.json: the server reads its version from it. agents/: the demo agent (mount your own
# over /app/agents, or set PARLEY_AGENTS_DIR). bin/: the `parley` command (keys, talk, phone).
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY agents ./agents
RUN ln -s /app/bin/parley.js /usr/local/bin/parley \
 && mkdir -p /data/recordings \
 && chown -R node:node /data

# The embedded database (PGlite; unused with DATABASE_URL), the admin key written on a first
# start without PARLEY_API_KEY, and recordings (PARLEY_RECORDINGS_DIR, default /data/recordings).
VOLUME ["/data"]
USER node
# HTTP, WebSocket, the web page and the API. WebRTC media is UDP on other ports
# (PARLEY_WEBRTC_PORT_RANGE): publish that range yourself if you use WebRTC (docs/deploy.md).
EXPOSE 3000
# SIGTERM drains: no new sessions, live calls go on for PARLEY_DRAIN_TIMEOUT_MS, then the agent
# says goodbye, records are flushed and the process exits (PARLEY_SHUTDOWN_TIMEOUT_MS after that
# at most). Give the container longer than both to stop (docker stop -t, stop_grace_period,
# terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
# Alive, not ready: /readyz is for balancers (503 while full or draining); a full node is healthy.
# No curl in the slim image: Node's own fetch. Plain http on PORT (not with PARLEY_TLS_CERT).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/cli/main.js", "serve"]
