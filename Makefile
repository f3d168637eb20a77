# The two commands of the README: `make run` and `make test`. Everything else is set-up they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the designer's and the case viewer's browser bundles (bpmn-js, dmn-js), built from package-lock.json
DIST := webapp/static/dist/.built
export FLASK_APP := app

.PHONY: run serve test setup lint typecheck fmt check bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(DIST): package.json package-lock.json $(wildcard webapp/static/src/*)
	@command -v npm >/dev/null || { echo "npm (Node.js >= 20) is required to build webapp/static/dist" >&2; exit 1; }
	npm ci --no-audit --no-fund
	npm run build
	touch $(DIST)

setup: $(STAMP) $(DIST)

## Set up everything and serve the app with demo data on http://127.0.0.1:5000 (SQLite)
run: $(STAMP) $(DIST)
	$(BIN)/flask --app app setup --demo
	$(BIN)/flask --app app run --host 127.0.0.1 --port 5000

## The production stack (docs/deployment.md): migrations, then gunicorn with FALLWERK_WORKERS web processes on
## FALLWERK_BIND (default 127.0.0.1:8000) and one scheduler process, on FALLWERK_DATABASE_URL. Refuses an
## insecure configuration (no FALLWERK_SECRET_KEY, debug on, demo users unless FALLWERK_ALLOW_DEMO=1).
serve: $(STAMP) $(DIST)
	$(BIN)/flask --app app setup
	exec $(BIN)/gunicorn --config config/gunicorn.py

# The browser tests (tests/browser) drive Debian's Chromium: Playwright cannot download browsers here.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
$(CHROMIUM):
	@echo "== installing Debian's chromium for the browser tests =="
	@{ $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; } || { \
		echo "FATAL: could not install Debian's chromium package, which the browser tests need." >&2; \
		echo "       Install it by hand: apt-get install -y --no-install-recommends chromium" >&2; exit 1; }
	@test -x $(CHROMIUM) || { echo "FATAL: the chromium package installed no $(CHROMIUM)" >&2; exit 1; }

## Set up and run the whole suite: SQLite always, PostgreSQL too when FALLWERK_TEST_POSTGRES_URL is set
test: $(STAMP) $(DIST) $(CHROMIUM)
	$(BIN)/python -m pytest -q
	@if [ -n "$$FALLWERK_TEST_POSTGRES_URL" ]; then \
		echo "== the suite again on PostgreSQL ($$FALLWERK_TEST_POSTGRES_URL) =="; \
		FALLWERK_TEST_DATABASE_URL="$$FALLWERK_TEST_POSTGRES_URL" $(BIN)/python -m pytest -q; \
	else \
		echo "(FALLWERK_TEST_POSTGRES_URL not set: PostgreSQL run skipped)"; \
	fi

lint: $(STAMP) typecheck
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python tools/check_sizes.py

typecheck: $(STAMP)
	$(BIN)/mypy --strict --ignore-missing-imports casework models

fmt: $(STAMP)
	$(BIN)/ruff format .

check: lint test

bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/inbox.py
	$(BIN)/python bench/http_api.py
	$(BIN)/python bench/timers.py

clean:
	rm -rf $(VENV) instance .pytest_cache
