# One command for every check: `make check` (ruff, mypy, pytest).
PYTHON ?= .venv/bin/python

.PHONY: check lint typecheck test venv deb

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
