# Developer entry points. `make install` once, then `make test`.
# PY picks the interpreter that creates the venv; VENV where it lives (e.g. make test VENV=/work/venv).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install test lint typecheck bench demo

install:
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[test,bench]'

test:
	$(BIN)/pytest -q

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	VENV=$(VENV) bash scripts/typecheck.sh

typecheck:
	VENV=$(VENV) bash scripts/typecheck.sh

bench:
	$(BIN)/python -m branchdb.bench

demo:
	$(BIN)/branchdb demo
