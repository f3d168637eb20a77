# The two commands of the README: `make run` and `make test`. Everything else is set-up they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := app

.PHONY: run test setup lint typecheck fmt check bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Set up everything and serve the app with demo data on http://127.0.0.1:5000 (SQLite)
run: $(STAMP)
	$(BIN)/flask --app app setup --demo
	$(BIN)/flask --app app run --host 127.0.0.1 --port 5000

## Set up and run the whole suite: SQLite always, PostgreSQL too when FALLWERK_TEST_POSTGRES_URL is set
test: $(STAMP)
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

typecheck: $(STAMP)
	$(BIN)/mypy --strict --ignore-missing-imports casework models

fmt: $(STAMP)
	$(BIN)/ruff format .

check: lint test

bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/inbox.py
	$(BIN)/python bench/http_api.py

clean:
	rm -rf $(VENV) instance .pytest_cache
