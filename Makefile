# Developer entry points. `make demo` and `make test` set up what they need first.
# PY picks the interpreter that creates the venv; VENV where it lives (e.g. make test VENV=/work/venv).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install test lint typecheck bench demo

install:
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[test,bench]'

test: install
	$(BIN)/pytest -q

# Runs all three checks even when one fails, then fails if any did.
lint:
	@status=0; \
	echo "+ ruff check ."; $(BIN)/ruff check . || status=1; \
	echo "+ ruff format --check ."; $(BIN)/ruff format --check . || status=1; \
	echo "+ scripts/typecheck.sh"; VENV=$(VENV) bash scripts/typecheck.sh || status=1; \
	exit $$status

typecheck:
	VENV=$(VENV) bash scripts/typecheck.sh

bench:
	$(BIN)/python -m branchdb.bench

demo: install
	bash scripts/system-deps.sh server
	$(BIN)/branchdb demo
