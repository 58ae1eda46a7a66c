# The front door: every task a developer or CI runs goes through a target here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ADDR ?= 127.0.0.1:8000

# MkDocs and two plugins print an end-of-life banner on every run.
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true

.PHONY: setup test lint serve build bench audit browser lock clean

setup: $(STAMP)

# Rebuilt only when a pin changes; a second `make setup` does nothing.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

serve: setup
	$(BIN)/mkdocs serve --dev-addr $(ADDR)

build: setup
	$(BIN)/mkdocs build --strict

bench: setup
	$(BIN)/python tests/bench.py

audit: setup build
	$(BIN)/python tests/audit.py

# Debian's Chromium for the browser tests; Playwright's own download fails on these machines.
browser:
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

# Re-lock after changing a top-level pin in pyproject.toml.
lock:
	rm -rf /tmp/cnnviz-lock && $(PYTHON) -m venv /tmp/cnnviz-lock
	/tmp/cnnviz-lock/bin/pip install --quiet .
	/tmp/cnnviz-lock/bin/pip freeze --exclude cnnviz | sed 's/^torch==.*/torch==2.13.0/' > requirements.txt
	@echo "requirements.txt relocked; update requirements-dev.txt the same way with '.[dev]'."

clean:
	rm -rf site .cache .pytest_cache .ruff_cache
