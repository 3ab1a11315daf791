# The two commands a newcomer needs: `make serve` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install serve test lint bench clean lock

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11+ or run make PYTHON=python3"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/secmon serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -n auto

# The tools benchmarks compare against live in their own venv: their pins must not
# move ours.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: requirements-bench.lock
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r requirements-bench.lock
	touch $@

bench: $(STAMP) $(BENCH_VENV)/.installed
	$(BIN)/python bench/run.py --tools $(BENCH_VENV)/bin
	$(BIN)/python bench/detection.py
	$(BIN)/python bench/ingest.py --tools $(BENCH_VENV)/bin

# Regenerate the lock files after changing dependencies (needs `uv`).
lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock
	uv pip compile bench/requirements.in --python-version 3.11 -o requirements-bench.lock

clean:
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache .mypy_cache .ruff_cache
