# One command set for people and CI. `make demo` and `make test` install everything they need.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install demo test test-unit lint format stop status bench eval check-tools browser

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory check-tools
	@echo "== creating $(VENV) and installing Policy Radar with its dependencies (first run takes a few minutes)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

check-tools:
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (Python 3.11+ is required)"; exit 1; }
	@command -v java >/dev/null || { echo "error: java not found (Java 17+ runs Kafka and OpenSearch)"; exit 1; }
	@command -v mvn >/dev/null || { echo "error: mvn not found (Maven resolves Kafka and OpenSearch from Maven Central)"; exit 1; }

demo: install
	$(BIN)/policyradar demo

test: install browser
	$(BIN)/policyradar stack up
	$(BIN)/pytest $(PYTEST_ARGS)

# The web page is tested in a real headless Chromium: Debian's chromium and chromedriver.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  echo "== installing Debian's chromium and chromium-driver for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium chromium-driver >/dev/null; fi; \
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

bench: install
	$(BIN)/python bench/bench_processor.py

status: install
	$(BIN)/policyradar stack status

stop:
	@if [ -x $(BIN)/policyradar ]; then $(BIN)/policyradar stack down; else echo "nothing to stop (no $(VENV))"; fi
