# Two commands do all the setup on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
# Keep Python's bytecode caches even where the environment turns them off: the suite starts
# many Python processes (Django, Celery workers, LibreOffice helpers) that would otherwise
# compile the project and its packages again each time.
unexport PYTHONDONTWRITEBYTECODE
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# make test runs the suite in this many processes (pytest-xdist), one database each.
TEST_WORKERS ?= 2

.PHONY: run test lint format messages bench-small clean lock wheelhouse

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
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=15 $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(VENV)/.installed-dev
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=static
	$(BIN)/python manage.py compilemessages -l en --ignore=.venv

# deploy/requirements.lock: every dependency, exact versions and hashes, for the servers'
# Python (3.11, Linux x86_64). After changing dependencies in pyproject.toml: make lock.
lock: $(VENV)/.installed-dev
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header -o deploy/requirements.lock

# wheelhouse/: a wheel of every locked dependency (hashes checked) and of the project, for
# `pip install --no-index --find-links wheelhouse` on a machine without internet. Build it
# on the servers' platform (Debian 12, Python 3.11, x86_64). --isolated: PyPI, whatever
# this machine's pip configuration says.
WHEELHOUSE ?= wheelhouse
PIP_ISOLATED := $(BIN)/pip --isolated --disable-pip-version-check --quiet
wheelhouse: | $(BIN)/python
	rm -rf $(WHEELHOUSE) build
	$(PIP_ISOLATED) download --no-deps --only-binary=:all: --require-hashes \
		-r deploy/requirements.lock -d $(WHEELHOUSE)
	$(PIP_ISOLATED) wheel --no-deps . -w $(WHEELHOUSE)
	rm -rf build
	@echo "$(WHEELHOUSE)/: $$(ls $(WHEELHOUSE) | wc -l) wheels"

clean:
	rm -rf var/db.sqlite3 var/celery var/staticfiles
