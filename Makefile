# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# Both create .venv when it is missing (with a Python >= 3.12, < 3.14) and install the project:
# `make run` only what running needs, `make test` (and `make venv`) also the test extra.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
RUN_STAMP := $(VENV)/.run-stamp
APP_STAMP := $(VENV)/.app-stamp

# The first interpreter on PATH that is >= 3.12 and < 3.14 (Hydra crashes on 3.14).
PYTHON ?= $(shell for p in python3.12 python3.13 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(0 if (3,12) <= sys.version_info[:2] < (3,14) else 1)' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: run test test-slurm venv benchmark clean lint notebooks app

venv: $(STAMP)

# The interpreter: .venv/bin/python, created on first use.
$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: no Python >= 3.12 and < 3.14 found on PATH (tried python3.12, python3.13, python3, python); install one (e.g. 'pyenv install 3.12') and retry" >&2; exit 1; \
	fi
	@echo "Creating $(VENV) with $$($(PYTHON) --version)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Running needs the package and its dependencies only.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

# Tests also need the test extra (pytest, the submitit launcher, the notebook runner, the
# browser driver) and the dashboard's (its tests drive it in a real browser).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,app]'
	@touch $@ $(RUN_STAMP) $(APP_STAMP)

run: $(RUN_STAMP)
	$(BIN)/aigov $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 $(ARGS)

# A one-node SLURM cluster (Debian's slurm-wlm and munge, installed if missing; needs root),
# a small sweep through it and its table checked against the laptop launcher's (tests/slurm).
test-slurm: $(STAMP)
	PYTHON=$(abspath $(BIN))/python bash tests/slurm/run.sh

lint: $(STAMP)
	$(BIN)/ruff check .

# Jupyter on notebooks/ (add --allow-root when running as root in a container).
notebooks: $(VENV)/.notebooks-stamp
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ARGS)

$(VENV)/.notebooks-stamp: pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,notebooks,dev]'
	@touch $@

# The what-if dashboard: http://localhost:8765 (ARGS="--port 9000" for another port).
app: $(APP_STAMP)
	$(BIN)/aigov-app $(ARGS)

$(APP_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[app]'
	@touch $@

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf outputs multirun .pytest_cache
