# MOW developer commands. `make demo` and `make test` set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo demo-docker test protos lint clean wheelhouse base-image docker-ready

$(STAMP): pyproject.toml model_sdk/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e model_sdk -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)  ## Create .venv with the SDK, the orchestrator and the test tools

demo: $(STAMP)  ## Tune the example model on the Seattle weather data (20 trials)
	$(BIN)/mow-orchestrate run examples/seattle_weather/study.toml

test: $(STAMP)  ## Run the test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

wheelhouse: $(STAMP)  ## Wheels of the local SDK and the example's dependencies, for offline image builds
	$(BIN)/pip wheel --quiet --wheel-dir build/wheelhouse ./model_sdk scikit-learn

base-image:  ## Debian bookworm + Python as mow-base:bookworm, without a registry (root, debootstrap)
	tools/build_base_image.sh mow-base:bookworm

docker-ready: wheelhouse base-image  ## Everything the docker backend and its tests need

demo-docker: $(STAMP) docker-ready  ## The demo with the model in a hardened Docker container
	$(BIN)/mow-orchestrate run examples/seattle_weather/study-docker.toml

protos: $(STAMP)  ## Regenerate the gRPC stubs in model_sdk/ from proto/
	$(BIN)/python tools/gen_protos.py

lint: $(STAMP)
	$(BIN)/ruff check orchestrator model_sdk tests tools examples bench

clean:
	rm -rf $(VENV) runs .pytest_cache

# Benchmarks (bench/, issue 7): each figure is MOW against a reference measured in the same run.
.PHONY: bench bench-quick
BENCH_SCRIPTS = $(sort $(wildcard bench/bench_*.py))
BENCH_QUICK   = build/bench-quick

bench: $(STAMP)  ## Full benchmarks (several minutes): bench/results/*.json, BENCHMARKS.md, bench/results.json
	@set -e; for script in $(BENCH_SCRIPTS); do echo "== $$script"; $(BIN)/python $$script; done
	$(BIN)/python bench/report.py

bench-quick: $(STAMP)  ## Every benchmark in its smallest size, into build/bench-quick/ (checks they run)
	@set -e; for script in $(BENCH_SCRIPTS); do echo "== $$script"; \
		if grep -q -- --quick $$script; then MOW_BENCH_RESULTS=$(BENCH_QUICK)/results $(BIN)/python $$script --quick; \
		else echo "skipped: $$script has no --quick mode"; fi; done
	$(BIN)/python bench/report.py --results $(BENCH_QUICK)/results --markdown $(BENCH_QUICK)/BENCHMARKS.md \
		--json $(BENCH_QUICK)/results.json
