# Two commands for a fresh clone: `make run` serves the shop, `make test` runs lint and the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The compose file's .env is for docker, never for the development server or the tests.
export FLASK_SKIP_DOTENV := 1

.PHONY: run test lint bench screenshots setup setup-dev migrate seed storefront clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.txt setup.cfg
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Spectral and the TypeScript client the OpenAPI checks use (tests/clients), from the lockfile.
# No install scripts: the only one is a telemetry ping (@scarf/scarf). Without npm those tests
# skip, and fail in CI.
NODE_CHECKS := tests/clients/typescript
$(NODE_CHECKS)/node_modules/.installed: $(NODE_CHECKS)/package.json $(NODE_CHECKS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(NODE_CHECKS) --ignore-scripts --no-audit --no-fund --loglevel=error \
			&& touch $@; \
	else \
		echo "npm not found: the OpenAPI client checks in tests/clients will be skipped"; \
	fi

# The shop window (storefront/), served by the app at /: its packages from the lockfile, built
# into storefront/dist when a source changed. Needs Node.js 20 or newer.
STOREFRONT := storefront
STOREFRONT_SOURCES := $(shell find $(STOREFRONT)/src $(STOREFRONT)/public -type f 2>/dev/null) \
	$(wildcard $(STOREFRONT)/index.html $(STOREFRONT)/vite.config.ts $(STOREFRONT)/tsconfig*.json)
$(STOREFRONT)/node_modules/.installed: $(STOREFRONT)/package.json $(STOREFRONT)/package-lock.json
	npm ci --prefix $(STOREFRONT) --no-audit --no-fund --loglevel=error
	touch $@

$(STOREFRONT)/dist/index.html: $(STOREFRONT)/node_modules/.installed $(STOREFRONT_SOURCES)
	npm run build --prefix $(STOREFRONT) --silent

storefront: $(STOREFRONT)/dist/index.html

setup: $(VENV)/.installed

setup-dev: $(VENV)/.installed-dev $(NODE_CHECKS)/node_modules/.installed

migrate: setup
	$(BIN)/flask --app wsgi db upgrade

seed: migrate
	$(BIN)/flask --app wsgi seed

run: seed storefront
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port $(PORT)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite on two processes (pytest-xdist; TEST_WORKERS=0 runs it in one, as plain `pytest`
# does), then the browser tests in one process: they share one live app and its database.
TEST_WORKERS ?= 2
test: lint storefront
	$(BIN)/pytest -n $(TEST_WORKERS) --ignore=tests/browser
	$(BIN)/pytest tests/browser

# Lighthouse for the storefront's figures in `make bench` (bench/storefront.py), from its
# lockfile; no install scripts (none of its packages has one). It drives Debian's Chromium.
LIGHTHOUSE := bench/lighthouse
$(LIGHTHOUSE)/node_modules/.installed: $(LIGHTHOUSE)/package.json $(LIGHTHOUSE)/package-lock.json
	npm ci --prefix $(LIGHTHOUSE) --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

bench: setup-dev storefront $(LIGHTHOUSE)/node_modules/.installed
	bash bench/run

# The README's dashboard pictures, taken by the browser tests (needs Chromium).
screenshots: setup-dev
	TEST_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/browser/test_screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
