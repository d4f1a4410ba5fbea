# One command for every check: `make check` (ruff, mypy, pytest).
PYTHON ?= .venv/bin/python

.PHONY: check lint typecheck test venv

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
