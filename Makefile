# Two commands do all the setup on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test lint format messages bench-small clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	mkdir -p var/staticfiles
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@HOST=$(HOST) PORT=$(PORT) BIN=$(BIN) sh scripts/run-embedded.sh

test: $(VENV)/.installed-dev
	mkdir -p var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest --durations=15 $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=static
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf var/db.sqlite3 var/celery var/staticfiles
