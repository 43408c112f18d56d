# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# Both create .venv when it is missing (with a Python >= 3.12, < 3.14) and install the project.
SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# The first interpreter on PATH that is >= 3.12 and < 3.14 (Hydra crashes on 3.14).
PYTHON ?= $(shell for p in python3.12 python3.13 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(0 if (3,12) <= sys.version_info[:2] < (3,14) else 1)' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: run test venv benchmark clean lint notebooks app

venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
	  if [ -z "$(PYTHON)" ]; then \
	    echo "error: no Python >= 3.12 and < 3.14 found on PATH (tried python3.12, python3.13, python3, python); install one (e.g. 'pyenv install 3.12') and retry" >&2; exit 1; \
	  fi; \
	  echo "Creating $(VENV) with $$($(PYTHON) --version)"; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,app]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/aigov $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Jupyter on notebooks/ (add --allow-root when running as root in a container).
notebooks: $(VENV)/.notebooks-stamp
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ARGS)

$(VENV)/.notebooks-stamp: pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,notebooks,dev]'
	@touch $@

# The what-if dashboard: http://localhost:8765 (ARGS="--port 9000" for another port).
app: $(STAMP)
	$(BIN)/aigov-app $(ARGS)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_model.py

clean:
	rm -rf outputs multirun .pytest_cache
