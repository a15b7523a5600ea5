# The front door: `make run` serves the app with demo data, `make test` runs the whole suite.
# Both create .venv on first use, and start embedded PostgreSQL/Redis when DATABASE_URL/REDIS_URL are unset.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint format clean-var

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m creditcontrol.launch run $(ARGS)

test: $(STAMP)
	$(PY) -m creditcontrol.launch test $(ARGS)

bench: $(STAMP)
	$(PY) -m creditcontrol.launch bench $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean-var:
	rm -rf var
