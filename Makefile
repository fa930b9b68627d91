# The two commands: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip --disable-pip-version-check -q

.PHONY: run test lint bootstrap clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(PIP) install -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

## make run: install, migrate SQLite, load policies and demo data, start web + worker + beat
## (on http://127.0.0.1:$(PORT)/; the letter fonts are installed where possible, optional otherwise).
PORT ?= 8000
run: $(VENV)/.run-deps
	DJANGO_SETTINGS_MODULE=config.settings.local ./scripts/ensure_fonts.sh
	DJANGO_SETTINGS_MODULE=config.settings.local $(BIN)/python manage.py bootstrap
	DJANGO_SETTINGS_MODULE=config.settings.local PORT=$(PORT) ./scripts/run.sh

## make test: make sure PostgreSQL, Redis, Chromium are there, then run the whole suite on them;
## then the tests marked `embedded` again on make run's set-up (SQLite + filesystem broker).
## Where PostgreSQL or Redis cannot be had (ensure_services.sh exits 3: no root, offline), only
## that second pass runs, and make test says so; on CI (CI=true) that is a failure.
## (pytest's exit 5, "no test selected", e.g. PYTEST_ARGS naming no embedded test, is not a failure.)
test: $(VENV)/.test-deps
	@services=yes; ./scripts/ensure_services.sh || { rc=$$?; \
	  if [ $$rc != 3 ] || [ "$${CI:-}" = true ]; then exit $$rc; fi; services=no; }; \
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py prepare_fonts || exit $$?; \
	if [ $$services = yes ]; then \
	  echo "+ pytest on PostgreSQL + Redis"; \
	  $(BIN)/python -m pytest --create-db -q -ra $(PYTEST_ARGS) || exit $$?; \
	else \
	  echo "make test: PostgreSQL or Redis cannot be had here (see above): the PostgreSQL suite is NOT run,"; \
	  echo "           only the tests marked embedded, on SQLite + the filesystem broker."; \
	fi; \
	echo "+ pytest -m embedded on SQLite + the filesystem broker (make run's set-up)"; \
	$(BIN)/python -m pytest --create-db -q -ra --ds=config.settings.test_sqlite -m embedded $(PYTEST_ARGS); \
	rc=$$?; [ $$rc = 0 ] || [ $$rc = 5 ] || exit $$rc; \
	if [ $$services = no ]; then echo "make test: PostgreSQL suite skipped (PostgreSQL or Redis missing)."; fi

lint: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf var/broker var/db.sqlite3
