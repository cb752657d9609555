# The README's two commands: `make demo` (install + the main job) and `make test` (install + tests).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint demo bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev,ray]"
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

test: install lint
	$(BIN)/python -m pytest

demo: install
	$(BIN)/codedcomp simulate one uncoded rep:r=2 bcc:d=10 lt:r=1 sr:d=10 ideal \
		--m 1000 --tau 0.005 --delay exp:rate=0.2 --trials 100 --seed 1 --plot out/demo.png

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
