# The README's two commands: `make demo` (install + the main job) and `make test` (install + tests).
# The `learned` extra pins torch==2.13.0, the CPU wheel (this machine's pip finds it on its disk),
# so the learned-code tests really run in CI instead of skipping.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test lint demo bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev,ray,learned]"
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src

test: install lint
	$(BIN)/python -m pytest

demo: install
	$(BIN)/codedcomp run kernel-sum --scheme one uncoded rep:r=2 lt:r=1 lt:r=2 sr:d=10 ideal \
		hedge:after=p95 speculate --workers 64 --delay exp:rate=5 --tau 0.003 --trials 10 \
		--seed 1 --backend local --plot out/demo.png --plot-work out/demo-work.png \
		--json out/demo.json

bench: install
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
