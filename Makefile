# Two commands do everything, each creating .venv on first use:
#   make demo   the main job: release, a demo class graded in parallel, reports in out/demo
#   make test   every test (ruff, then pytest)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Commands of the venv (nbgrader calls `alembic`) must be found without activating it.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: demo test release benchmarks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m autograder demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

release: $(STAMP)
	$(BIN)/python -m autograder release

benchmarks: $(STAMP)
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf out autograded submitted feedback gradebook.db .autograder-control-*
