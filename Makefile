# Two entry points, each self-contained on a fresh machine with Python 3.11:
#   make demo  - create .venv, install slasim and its runtime dependencies only, run the main job
#                on the reference scenario
#   make test  - create .venv, install the locked test environment (requirements-dev.lock, hash
#                checked), lint, type-check, run the test suite
#   make docs  - build the documentation site into site/ (mkdocs build --strict)
#   make lock  - refresh requirements-dev.lock after a change of pyproject's dependencies
#                (UPGRADE=1: move every pin to the newest release the ranges allow)
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
LOCK := requirements-dev.lock
LOCK_VENV := build/lock-venv

.PHONY: demo test test-narrow test-slow lint bench clean lock mutation docs

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; set PYTHON=/path/to/python3.11" >&2; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Runtime only: what run, optimize, compare, report and the CRM commands need (no test, lint or
# notebook tools; `pip install -e '.[notebooks]'` adds JupyterLab).
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $(STAMP)

# The tested versions, exactly: every package pinned and hash-checked, then slasim itself.
$(DEV_STAMP): $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP) $(DEV_STAMP)

# pip-tools in a venv of its own, so that it never enters the tested environment.
lock:
	@test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) \
		&& $(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip 'pip-tools>=7.4'; }
	$(LOCK_VENV)/bin/pip-compile --quiet --extra dev --generate-hashes --strip-extras \
		--allow-unsafe --no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade) \
		--output-file $(LOCK) pyproject.toml

demo: $(STAMP)
	$(BIN)/slasim check scenarios/baseline.toml
	$(BIN)/slasim run scenarios/baseline.toml --reps 200 --workers 2 --seed 0 --quiet
	@mkdir -p build  # slasim creates an output folder, not its missing parents
	$(BIN)/slasim optimize scenarios/baseline.toml --workers 2 --out build/optimize
	$(BIN)/slasim report build/optimize/proposal.toml --reps 200 --seed 0 --workers 2 --out build/report.html
	@echo "The agreement for the optimizer's proposal: build/report.html (and build/report.md)"

lint: $(DEV_STAMP)
	$(BIN)/ruff check slasim tests benchmarks
	$(BIN)/mypy

# Notebooks run as tests (tests/test_notebooks_show.py: no cell fails, figures show inline);
# then the docs build, which renders the notebooks the tests executed (build/notebooks/).
test: lint
	$(BIN)/python -m pytest -q -n 2 tests
	$(MAKE) --no-print-directory docs

# The site into site/, warnings as errors: a broken link, a missing transcript or a reference
# that no longer resolves fails. Stale or missing executed notebooks are executed first.
# (The two variables silence a banner about MkDocs 2 that Material and a plugin print on every
# build; docs/decisions.md says why MkDocs 1.x is kept.)
docs: $(DEV_STAMP)
	NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true $(BIN)/mkdocs build --strict --quiet

# The engine and experiment tests once more with numpy's widest SIMD kernels switched off
# (AVX-512, or AVX2 on a machine without it): a test that holds only with this machine's float
# rounding fails here. .ci/narrow_cpu_features.py says which features and why.
test-narrow: $(DEV_STAMP)
	@features="$$($(BIN)/python .ci/narrow_cpu_features.py)" \
		&& echo "NPY_DISABLE_CPU_FEATURES=\"$$features\"" \
		&& NPY_DISABLE_CPU_FEATURES="$$features" \
		$(BIN)/python -m pytest -q -n 2 tests/test_engine*.py tests/test_experiment.py

test-slow: $(DEV_STAMP)
	$(BIN)/python -m pytest -q -n 2 -m slow

# Mutation testing (slow, not part of `make test`): mutmut mutates the modules listed in
# pyproject.toml [tool.mutmut] (analytic/, metrics, terms, verdict, crm/_lines) in a copy under
# mutants/ and runs the fast tests that reach each mutant; prints the score per module.
# docs/mutation.md has the last score, its date and the triage of the survivors.
mutation: $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mutation]'
	$(BIN)/mutmut run --max-children 2 || true
	$(BIN)/python .ci/mutation_score.py --survivors

bench: $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/analytic.py
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/full_model.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build site *.egg-info
