# fairkey — two commands for a fresh machine:  `make up` (the stack with demo data on a local
# Anvil) and `make test` (the whole suite). Both install what is missing first, and are quick
# when everything is already there (stamp files track what was installed from which lock file).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SOLC_VERSION := 0.8.28

# The Solidity compiler is npm's solc (WebAssembly) behind a shim; ape keeps its data in-project.
export SOLCX_BINARY_PATH := $(CURDIR)/.solcx
export APE_DATA_FOLDER := $(CURDIR)/.ape
# Package caches inside the project, not the home folder.
export PIP_CACHE_DIR := $(CURDIR)/.cache/pip
export npm_config_cache := $(CURDIR)/.cache/npm
# Anvil from npm, where ape-foundry looks for it (PATH).
export PATH := $(CURDIR)/node_modules/@foundry-rs/anvil-linux-amd64/bin:$(PATH)

.PHONY: up test bench bench-save install build lint clean help chromium
.DEFAULT_GOAL := help

help:
	@echo "make up      run the stack on a local Anvil with demo data (Ctrl-C stops it)"
	@echo "make test    install what is missing, compile, run the whole test suite"
	@echo "make bench   run the benchmarks (tables + bench/out/latest/*.json, not committed)"
	@echo "make bench-save  the same, replacing the committed bench/out/*.json"
	@echo "make lint    ruff over the Python code"

up: build
	$(PY) -m scripts.up

test: build chromium
	$(PY) -m pytest -q -n auto --durations=25  # the slowest tests: the suite must stay under 15 min

# Results go to the git-ignored bench/out/latest/; `make bench-save` replaces the committed
# bench/out/*.json (each records the machine it ran on): run it on purpose, then commit.
bench: build
	$(PY) -m bench.gas
	$(PY) -m bench.delivery
	$(PY) -m bench.indexer
	$(PY) -m bench.court
	$(PY) -m bench.api  # ≈ 6 min; measures the machine's load too: not beside the tests
	$(PY) -m bench.market_sim.court_study  # the clique curve, 10–40 % of the stake (≈ 10 min)
	$(PY) -m bench.market  # the adversarial market: 2,000 orders, 30 chain days (≈ 15 min)

bench-save: export BENCH_SAVE := 1
bench-save: bench

lint: install
	$(VENV)/bin/ruff check fairkey indexer arbitration api tests bench scripts

install: $(VENV)/.installed node_modules/.installed web/node_modules/.installed $(SOLCX_BINARY_PATH)/solc-v$(SOLC_VERSION)

build: install .build/__local__.json web/dist/index.html

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

# `npm ci`: installs exactly package-lock.json and never writes it, so a fresh clone stays clean.
# The lock file lists @foundry-rs/anvil's optional binaries for every platform (what
# `npm install` writes; npm installs only this machine's). After changing package.json, run
# `npm install` once and commit the lock file it writes; `npm ci` refuses a stale one.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The dApp's own packages (web/package-lock.json), then its build, which the API serves.
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/index.html: web/node_modules/.installed $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json
	cd web && npm run build --silent

# The browser tests drive Debian's Chromium (Playwright cannot download its own browsers here),
# with a CJK font so the Chinese pages render (and their screenshots show) real characters.
chromium:
	@{ command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi wqy; } || \
	  { apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-zenhei; }

$(SOLCX_BINARY_PATH)/solc-v$(SOLC_VERSION): toolchain/solc-shim.js
	@mkdir -p $(SOLCX_BINARY_PATH)
	ln -sf ../toolchain/solc-shim.js $@

# --force: ape's incremental compile does not rebuild a contract when only a file it imports
# changed (seen with DeliveryCrypto.sol), and make only gets here when some source did change.
.build/__local__.json: $(shell find contracts -name '*.sol' -not -path '*/.cache/*') ape-config.yaml node_modules/.installed
	$(VENV)/bin/ape compile --force
	@touch $@

clean:
	rm -rf .build .ape contracts/.cache .solcx
