# One command for every check: `make check` (ruff, mypy, pytest).
PYTHON ?= .venv/bin/python

.PHONY: check lint typecheck test venv deb mutants

check: lint typecheck test

venv:
	python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]'

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

typecheck:
	$(PYTHON) -m mypy

test:
	$(PYTHON) -m pytest

# dist/retention-agent_<version>_amd64.deb (Debian 12; see packaging/README.md)
deb:
	packaging/linux/build-deb.sh

# Mutation testing of the core, by hand and never in CI (hours on two cores; see
# mutation.md). Results stay in mutants/, so a stopped run goes on where it was.
# One module:  make mutants MUTANTS='retention_agent.lifecycle.*'
MUTANTS ?=
mutants:
	$(PYTHON) -m pip install -q -e '.[test,mutants]'
	$(PYTHON) -m mutmut run --max-children 2 $(MUTANTS)
	$(PYTHON) -m tools.mutation_score
