# One command set for people and CI. `make demo` and `make test` install everything they need.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

LOCK   := requirements.lock
UV     ?= uv>=0.13,<0.14

.PHONY: install lock demo test test-unit lint format stop status bench bench-scale eval check-tools browser prometheus k8s-tools web-assets

install: $(STAMP) web-assets

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

# The web page is tested in a real headless Chromium: Debian's chromium and chromedriver, and the Noto CJK
# fonts (without them every Chinese character renders as an empty box; a test checks that it does not).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then \
	  echo "== installing Debian's chromium, chromium-driver and fonts-noto-cjk for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; fi; \
	fi

# Browser libraries from npm (tools/web/package-lock.json), copied out of node_modules: Chart.js into the
# page's static files (indexer/web/vendor/, served), axe-core for the browser tests only
# (tests/fixtures/vendor/). Built, not committed; nothing is fetched at run time. Up to date = no-op.
WEB_TOOLS  := tools/web
WEB_NODE   := $(WEB_TOOLS)/node_modules/.package-lock.json
WEB_VENDOR := indexer/web/vendor
TEST_VENDOR := tests/fixtures/vendor
WEB_ASSETS := $(WEB_VENDOR)/chart.umd.min.js $(WEB_VENDOR)/chart.js.LICENSE.md $(TEST_VENDOR)/axe.min.js

web-assets: $(WEB_ASSETS)

$(WEB_NODE): $(WEB_TOOLS)/package.json $(WEB_TOOLS)/package-lock.json
	@command -v npm >/dev/null || { echo "error: npm not found (it installs the page's chart library; Debian: apt-get install npm)"; exit 1; }
	cd $(WEB_TOOLS) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_VENDOR)/chart.umd.min.js: $(WEB_NODE)
	@mkdir -p $(@D)
	cp $(WEB_TOOLS)/node_modules/chart.js/dist/chart.umd.min.js $@

$(WEB_VENDOR)/chart.js.LICENSE.md: $(WEB_NODE)
	@mkdir -p $(@D)
	cp $(WEB_TOOLS)/node_modules/chart.js/LICENSE.md $@

$(TEST_VENDOR)/axe.min.js: $(WEB_NODE)
	@mkdir -p $(@D)
	cp $(WEB_TOOLS)/node_modules/axe-core/axe.min.js $@

# The Kubernetes manifest checks (tests/unit/deploy/test_k8s.py) render deploy/k8s with `kubectl kustomize`:
# Debian's kubernetes-client, only when no kubectl is on the PATH.
k8s-tools:
	@if ! command -v kubectl >/dev/null; then \
	  echo "== installing Debian's kubernetes-client (kubectl) for the Kubernetes manifest checks"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null; fi; \
	fi

# The README's screenshots (docs/screenshots/: the search with its charts, a document page), taken by
# the browser flow test at a 1280x900 window; commit them when the page's look changes.
.PHONY: screenshots
screenshots: install browser
	$(BIN)/policyradar stack up
	POLICYRADAR_UPDATE_SCREENSHOTS=1 $(BIN)/pytest tests/integration/test_analyst_desk_flow.py $(PYTEST_ARGS)

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
	$(BIN)/policyradar stack up
	$(BIN)/policyradar eval-search

bench: install
	$(BIN)/python bench/bench_processor.py

# The scale benches (issue 12, README "Sizing") at full size: 10,000 sources, up to 100,000 alerts,
# 200,000 documents, a 30-minute soak of `policyradar run`. Not part of `make test` (which runs each
# one's --small smoke test); about two hours on 2 cores. Each one cleans up what it made.
bench-scale: install
	$(BIN)/policyradar stack up
	$(BIN)/python bench/bench_catalogue.py
	$(BIN)/python bench/bench_percolation.py
	$(BIN)/python bench/bench_search.py
	$(BIN)/python bench/bench_soak.py

status: install
	$(BIN)/policyradar stack status

stop:
	@if [ -x $(BIN)/policyradar ]; then $(BIN)/policyradar stack down; else echo "nothing to stop (no $(VENV))"; fi
