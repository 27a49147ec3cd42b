# One command set for people and CI. `make demo` and `make test` install everything they need.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

LOCK   := requirements.lock
UV     ?= uv>=0.13,<0.14

.PHONY: install lock demo test test-unit lint format stop status bench eval check-tools browser prometheus k8s-tools

install: $(STAMP)

# Dependencies come only from the hash-checked lock; the project itself is installed without them.
# PIP_FIND_LINKS is emptied so a local wheel folder (pip config or environment) cannot offer a file
# whose hash is not the one PyPI published and the lock records.
$(STAMP): pyproject.toml $(LOCK)
	@$(MAKE) --no-print-directory check-tools
	@echo "== creating $(VENV) and installing Policy Radar with its locked dependencies (first run takes a few minutes)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	PIP_FIND_LINKS= $(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(STAMP)

# Re-resolve pyproject.toml (runtime + dev) into $(LOCK), with the hash of every file PyPI has for each
# pinned version. uv runs from a throwaway venv, so $(VENV) is left alone.
lock:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11+ is required)"; exit 1; }
	@tools=$$(mktemp -d) && trap 'rm -rf "$$tools"' EXIT && \
	  $(PYTHON) -m venv "$$tools" && "$$tools/bin/pip" install --quiet "$(UV)" && \
	  "$$tools/bin/uv" pip compile pyproject.toml --extra dev --generate-hashes --universal \
	    --python-version 3.11 --custom-compile-command "make lock" --quiet --output-file $(LOCK)
	@echo "== wrote $(LOCK); commit it with pyproject.toml"

check-tools:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11+ is required)"; exit 1; }
	@command -v java >/dev/null || { echo "error: java not found (Java 17+ runs Kafka and OpenSearch)"; exit 1; }
	@command -v mvn >/dev/null || { echo "error: mvn not found (Maven resolves Kafka and OpenSearch from Maven Central)"; exit 1; }

demo: install
	$(BIN)/policyradar demo

test: install browser prometheus k8s-tools
	$(BIN)/policyradar stack up
	$(BIN)/pytest $(PYTEST_ARGS)

# The metrics are scraped in a test by a real Prometheus server: Debian's prometheus package (only the
# binary is used; the test runs its own copy with its own configuration and data folder).
prometheus:
	@if [ ! -x /usr/bin/prometheus ]; then \
	  echo "== installing Debian's prometheus for the metrics test"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null; fi; \
	fi

# The web page is tested in a real headless Chromium: Debian's chromium and chromedriver.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  echo "== installing Debian's chromium and chromium-driver for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium chromium-driver >/dev/null; fi; \
	fi

# The Kubernetes manifest checks (tests/unit/deploy/test_k8s.py) render deploy/k8s with `kubectl kustomize`:
# Debian's kubernetes-client, only when no kubectl is on the PATH.
k8s-tools:
	@if ! command -v kubectl >/dev/null; then \
	  echo "== installing Debian's kubernetes-client (kubectl) for the Kubernetes manifest checks"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null; fi; \
	fi

test-unit: install
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

eval: install
	$(BIN)/policyradar eval
	$(BIN)/policyradar similar --eval

bench: install
	$(BIN)/python bench/bench_processor.py

status: install
	$(BIN)/policyradar stack status

stop:
	@if [ -x $(BIN)/policyradar ]; then $(BIN)/policyradar stack down; else echo "nothing to stop (no $(VENV))"; fi
