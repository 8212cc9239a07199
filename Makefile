# Jobelix: `make run` serves the app, `make test` runs the suite. Both need only
# Python >= 3.11 and make: they create .venv, install, and start embedded
# PostgreSQL/Redis unless DATABASE_URL / REDIS_URL are set.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ARGS ?=

.PHONY: run test lint bench reliability install install-dev clean-data

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: $(VENV)/.installed
	$(PY) -m jobelix.launch run

test: $(VENV)/.installed-dev
	$(PY) -m jobelix.launch test -- $(ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	DATABASE_URL=$${DATABASE_URL:-postgres://lint@localhost/lint} REDIS_URL=$${REDIS_URL:-redis://localhost} DEBUG=1 $(VENV)/bin/mypy .

bench: $(VENV)/.installed-dev
	$(PY) -m jobelix.launch bench -- $(ARGS)

reliability: $(VENV)/.installed-dev
	$(PY) -m jobelix.launch reliability -- $(ARGS)

clean-data:
	rm -rf .jobelix
