# Jobelix: `make run` serves the app, `make test` runs the suite. Both need only
# Python >= 3.11 and make: they create .venv, install, and start embedded
# PostgreSQL/Redis unless DATABASE_URL / REDIS_URL are set.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ARGS ?=

.PHONY: run test bench reliability install install-dev clean-data

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

bench: $(VENV)/.installed-dev
	$(PY) -m jobelix.launch bench -- $(ARGS)

clean-data:
	rm -rf .jobelix
