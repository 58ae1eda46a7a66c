# The front door: every task a developer or CI runs goes through a target here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ADDR ?= 127.0.0.1:8000
AUDIT_PORT ?= 8765
# The site's builder: `mkdocs` (1.6.1, no longer maintained) or `properdocs` (1.6.7, its
# maintained drop-in fork), e.g. `make serve DOCS=properdocs`. Both read mkdocs.yml.
DOCS ?= mkdocs
ifeq ($(filter $(DOCS),mkdocs properdocs),)
$(error DOCS must be mkdocs or properdocs, not '$(DOCS)')
endif
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

# MkDocs and two plugins print an end-of-life banner on every run.
export NO_MKDOCS_2_WARNING := 1
export DISABLE_MKDOCS_2_WARNING := true

.PHONY: setup test test-fast lint serve build bench bench-serve soak audit browser debian-python font lock clean

setup: $(STAMP)

# A .venv made by a Python that PYTHON=... on the command line does not name, or whose Python no
# longer runs or is outside requires-python, is set up again from scratch.
CHECK_PYTHON = .ci/check_python.py
ifneq ($(filter command line environment,$(origin PYTHON)),)
SAME_PYTHON = --same-as "$$($(PYTHON) -c 'import sys; print(sys.version)')"
endif
ifneq ($(wildcard $(STAMP)),)
ifneq ($(shell $(BIN)/python $(CHECK_PYTHON) --venv $(SAME_PYTHON) 2>/dev/null && echo ok),ok)
$(shell rm -f $(STAMP))
endif
endif

# Rebuilt only when a pin changes; a second `make setup` does nothing. A set-up that failed
# leaves no stamp, and the next one checks the .venv it left before reusing it.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@$(PYTHON) $(CHECK_PYTHON)
	@if ! $(BIN)/python $(CHECK_PYTHON) --venv $(SAME_PYTHON) 2>/dev/null; then \
	  if [ -e $(VENV) ]; then echo "make setup: .venv is broken or not made by $(PYTHON); making it again"; fi; \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# Two workers (pytest-xdist): the site is built once and shared; a module's tests that share a
# module-scoped fixture stay on one worker (tests/conftest.py groups them). A test that bounds a
# process's memory runs afterwards with nothing beside it (marked alone).
test: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not alone"
	$(BIN)/python -m pytest -n 0 -m alone

# The edit-test loop, on two workers: every test that needs no built site, no browser, no
# notebook kernel, and neither trains again nor starts a worker pool, a venv, or a fresh Python
# that draws or asks torch for its kernels (marked slow). Tests that train share one worker.
test-fast: setup
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not site and not browser and not notebook and not slow"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

serve: setup
	$(BIN)/$(DOCS) serve -f mkdocs.yml --dev-addr $(ADDR)

build: setup
	$(BIN)/$(DOCS) build -f mkdocs.yml --strict

bench: setup
	$(BIN)/python tests/bench.py

# `mkdocs serve` on a copy of the project: a Markdown edit and a figure edit, each timed from
# the save until the server serves it (make bench runs it too).
bench-serve: setup
	$(BIN)/python tests/bench_serve.py

# `mkdocs serve` through 50 rebuilds: memory after each, and the time from save to served.
soak: setup
	$(BIN)/python tests/soak.py 50

# Lighthouse from npm, pinned in package-lock.json; only `make audit` needs Node.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# Not part of CI: Lighthouse scores for four pages, served under /cnnviz/ as on GitHub Pages.
audit: setup node_modules/.installed
	SITE_URL=http://127.0.0.1:$(AUDIT_PORT)/cnnviz/ $(BIN)/mkdocs build --strict
	AUDIT_PORT=$(AUDIT_PORT) $(BIN)/python tests/audit.py

# The maths font, STIX Two Math, from @fontsource/stix-two-math as pinned in package-lock.json,
# cut down to what formulas use and committed: building the site needs no Node. Kept: Latin,
# Greek, punctuation, letter-like symbols, arrows, the operator and delimiter blocks, and the
# mathematical italic, bold, script, double-struck and sans-serif letters, Greek and digits
# (browsers draw a one-letter <mi> in italic from those). Kept whole: every OpenType feature
# (script-size alternates) and the MATH table, with the larger and stretchy variants it names.
# Dropped: TrueType hinting, which browsers on current screens do without: 28% smaller.
FONTS := docs/assets/fonts
FONT_PACKAGE := node_modules/@fontsource/stix-two-math
FONT_UNICODES := U+0000-00FF U+0131 U+0237 U+0370-03FF U+2000-206F U+2100-214F U+2190-21FF \
  U+2200-22FF U+2300-23FF U+27C0-27EF U+2980-29FF U+2A00-2AFF \
  U+1D400-1D4FF U+1D538-1D56B U+1D5A0-1D5D3 U+1D6A8-1D755 U+1D7CE-1D7FF
comma := ,
font: setup node_modules/.installed
	$(BIN)/pyftsubset $(FONT_PACKAGE)/files/stix-two-math-latin-400-normal.woff2 \
	  --unicodes='$(subst $() ,$(comma),$(strip $(FONT_UNICODES)))' \
	  --layout-features='*' --name-IDs='*' --no-hinting --flavor=woff2 \
	  --output-file=$(FONTS)/stix-two-math.woff2.tmp
	mv $(FONTS)/stix-two-math.woff2.tmp $(FONTS)/stix-two-math.woff2
	cp $(FONT_PACKAGE)/LICENSE $(FONTS)/OFL.txt.tmp && mv $(FONTS)/OFL.txt.tmp $(FONTS)/OFL.txt

# Debian's Chromium for the browser tests; Playwright's own browser download fails on these machines.
# The tests drive its headless shell, which takes less CPU; the full browser serves `make audit`
# and the playground benches. A Korean font too, as readers have one: the line-breaking tests
# measure Korean as it is drawn.
browser:
	test -x /usr/bin/chromium && test -x /usr/bin/chromium-headless-shell && \
	  fc-list :lang=ko | grep -q . || \
	  ($(SUDO) apt-get update -qq && \
	   $(SUDO) apt-get install -y -qq chromium chromium-headless-shell fonts-noto-cjk)

# Debian's own python3 and venv module: the oldest Python that requires-python admits, on which
# CI tests the lock.
debian-python:
	/usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3 python3-venv)
	/usr/bin/python3 .ci/check_python.py --oldest

# Re-lock after changing a top-level pin in pyproject.toml: both lock files are rewritten. Lock
# with the oldest admitted Python (PYTHON=/usr/bin/python3); tests/test_setup.py then checks that
# every pin admits every Python in requires-python.
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
