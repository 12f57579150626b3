# carestats — `make` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Input folder: data/raw when it holds release files, otherwise the shared reference inputs.
RAW ?= $(shell if [ -n "$$(find data/raw -type f ! -name README.md 2>/dev/null | head -1)" ]; then echo data/raw; else echo ../shared/data/raw; fi)
OUT ?= build
DEB_PACKAGES := libharfbuzz-subset0
# The browser tests' headless Chromium (tests/test_site_browser.py), without the packages it only recommends:
# those add fonts, and a change to the installed fonts renders every PDF again. npm comes with Debian's
# nodejs only where no npm is on the PATH.
BROWSER_PACKAGES := chromium
NODE_STAMP := node_modules/.installed
# The DfE's SSDA903 validation rules run in an environment of their own: csc-validator-be-903 pins pandas<2 and
# numpy<1.25, which cannot share .venv with pyarrow. carestats runs it as a separate process
# (check/ssda903_validator.py; CARESTATS_VALIDATOR_PYTHON overrides the interpreter it uses).
VENV_903 := .venv-903
VALIDATOR_903 := csc-validator-be-903==0.1.17
STAMP_903 := $(VENV_903)/.installed-0.1.17

.DEFAULT_GOAL := help
.PHONY: help setup system-deps validator-env build test test-fast bench docs clean site

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

system-deps: ## install the Debian libraries WeasyPrint needs for identical PDFs (as root)
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "warning: Debian packages missing:$$missing (run 'sudo make system-deps'); PDFs may not be byte-identical" >&2; fi; \
	fi
	@missing=""; for p in $(BROWSER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing Debian packages for the browser tests:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "warning: Debian packages missing:$$missing (run 'sudo make system-deps'); the browser tests will fail" >&2; fi; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# axe-core, which the browser tests inject into the site's pages: pinned in package-lock.json
$(NODE_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

$(STAMP_903):
	$(PYTHON) -m venv $(VENV_903)
	$(VENV_903)/bin/pip install -q --disable-pip-version-check '$(VALIDATOR_903)'
	touch $(STAMP_903)

validator-env: $(STAMP_903) ## create .venv-903 with the DfE's SSDA903 validator (its own pandas<2, numpy<1.25)

# carestats' own modules compiled to bytecode (only those changed since): the editable install leaves them as
# source, and where Python may not write its cache (PYTHONDONTWRITEBYTECODE, as on this project's CI) every
# command would compile them again at start-up (about 0.07 s of each build's 3.2).
setup: system-deps $(STAMP) $(NODE_STAMP) $(STAMP_903) ## create .venv, .venv-903 and node_modules/, and install pinned packages
	@$(BIN)/python -m compileall -q src/carestats

build: setup ## run the whole pipeline: warehouse, indicators, reports and the web edition in $(OUT)/
	$(BIN)/carestats build --raw "$(RAW)" --out "$(OUT)"

site: setup ## the web edition alone, $(OUT)/site (no PDFs: a first look in seconds); `carestats serve` shows it
	$(BIN)/carestats build --format html --raw "$(RAW)" --out "$(OUT)"

# pytest-xdist: one worker per core. The builds the real-data tests share are made once per run (tests/conftest.py).
TEST_WORKERS ?= auto

test: setup ## run the whole test suite on every core (unit tests and the real-data tests)
	CARESTATS_TEST_RAW="$(RAW)" $(BIN)/python -m pytest -q -n $(TEST_WORKERS)

test-fast: setup ## run the tests that do not build the real reports
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) -m "not slow"

$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test,bench]'
	touch $@

bench: setup $(VENV)/.bench-installed ## time the pipeline and write $(OUT)/bench.json (installs pandas)
	$(BIN)/python benchmarks/run.py --raw "$(RAW)" --out "$(OUT)"

docs: setup ## regenerate docs/ from the registry and the CLI
	$(BIN)/carestats docs --write

clean: ## remove the outputs and the environment
	rm -rf $(OUT) $(VENV) $(VENV_903) node_modules
