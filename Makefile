# The two commands of the README: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUN_ARGS ?= --dataset digits --trials 10 --epochs 10

.PHONY: run test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/healthopt optimize $(RUN_ARGS)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

# The spectral benchmark compares with weightwatcher, a dev dependency.
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/bench_trial_overhead.py
	$(BIN)/python bench/bench_health_overhead.py
	$(BIN)/python bench/bench_spectral.py
	$(BIN)/python bench/bench_analyzer_memory.py
	$(BIN)/python bench/bench_api_status.py
	$(BIN)/python bench/bench_runpod_scaling.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench runpod_service
	$(BIN)/ruff format --check src tests bench runpod_service

clean:
	rm -rf $(VENV) optimization_results .pytest_cache
