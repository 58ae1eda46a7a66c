# The front door: every task a developer or CI runs goes through a target here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ADDR ?= 127.0.0.1:8000
AUDIT_PORT ?= 8765
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

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

# Lighthouse from npm, pinned in package-lock.json; only `make audit` needs Node.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# Not part of CI: Lighthouse scores for four pages, served under /cnnviz/ as on GitHub Pages.
audit: setup node_modules/.installed
	SITE_URL=http://127.0.0.1:$(AUDIT_PORT)/cnnviz/ $(BIN)/mkdocs build --strict
	AUDIT_PORT=$(AUDIT_PORT) $(BIN)/python tests/audit.py

# Debian's Chromium for the browser tests; Playwright's own download fails on these machines.
browser:
	test -x /usr/bin/chromium || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

# Re-lock after changing a top-level pin in pyproject.toml: both lock files are rewritten.
LOCK := /tmp/cnnviz-lock
FREEZE = $(LOCK)/bin/pip freeze --exclude cnnviz | sed 's/^torch==.*/torch==2.13.0/'
lock:
	rm -rf $(LOCK) && $(PYTHON) -m venv $(LOCK)
	$(LOCK)/bin/pip install --quiet .
	{ echo "# Runtime lock: every package the site and the cnnviz package need, pinned exactly."; \
	  echo "# Regenerate with 'make lock' after changing the top-level pins in pyproject.toml."; \
	  $(FREEZE); } > requirements.txt
	$(LOCK)/bin/pip install --quiet '.[dev]'
	{ echo "# Development lock: the runtime lock plus the test and lint tools, pinned exactly."; \
	  echo "-r requirements.txt"; $(FREEZE) | grep -vxF -f requirements.txt; } > requirements-dev.txt

clean:
	rm -rf site .cache .pytest_cache .ruff_cache
