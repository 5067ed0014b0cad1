# Two entry points, each self-contained on a fresh machine with Python 3.11:
#   make demo  - create .venv, install, run the main job on the reference scenario
#   make test  - create .venv, install with dev extras, lint, type-check, run the test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-narrow test-slow lint bench clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/slasim check scenarios/baseline.toml
	$(BIN)/slasim run scenarios/baseline.toml --reps 200 --workers 2 --seed 0 --quiet
	@mkdir -p build  # slasim creates an output folder, not its missing parents
	$(BIN)/slasim optimize scenarios/baseline.toml --workers 2 --out build/optimize

lint: $(STAMP)
	$(BIN)/ruff check slasim tests benchmarks
	$(BIN)/mypy

# Notebooks run as tests (nbmake); they are committed without outputs.
test: lint
	$(BIN)/python -m pytest -q -n 2 --nbmake tests $(wildcard notebooks/*.ipynb)

# The engine and experiment tests once more with numpy's widest SIMD kernels switched off
# (AVX-512, or AVX2 on a machine without it): a test that holds only with this machine's float
# rounding fails here. .ci/narrow_cpu_features.py says which features and why.
test-narrow: $(STAMP)
	@features="$$($(BIN)/python .ci/narrow_cpu_features.py)" \
		&& echo "NPY_DISABLE_CPU_FEATURES=\"$$features\"" \
		&& NPY_DISABLE_CPU_FEATURES="$$features" \
		$(BIN)/python -m pytest -q -n 2 tests/test_engine*.py tests/test_experiment.py

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m slow

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/analytic.py
	$(BIN)/python benchmarks/engine.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
