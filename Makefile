# The two commands of the README: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test-deps: requirements.txt requirements-test.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

run: $(VENV)/.run-deps
	$(PY) -m contactcenter.stack

# A private Redis for the whole run; pytest exits non-zero on a failure and on
# no tests collected.
test: $(VENV)/.test-deps
	scripts/ensure-chromium
	$(PY) -m contactcenter.private_redis -- $(PY) -m pytest $(PYTEST_ARGS)
