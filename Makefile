# Streetwise build targets. `make report` and `make test` set everything up themselves.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
VPY     := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PIP_ENV := PIP_DISABLE_PIP_VERSION_CHECK=1
EXPLORE_HOST := 127.0.0.1
EXPLORE_PORT ?= 8765
# numpy's AVX-512 float64 code off, so that a seed gives the same tables on any x86-64
# machine (model/__init__.py, PORTABLE_NUMERICS_ENV, says why; the package sets it too, but
# only a process that imports it before numpy).
export NPY_DISABLE_CPU_FEATURES ?= X86_V4 AVX512_ICL AVX512_SPR
# How to reach the command after a target: printed at the end of report, test and a fresh install.
REACH := echo "The streetwise command is in $(VENV): run 'source $(VENV)/bin/activate' (then 'streetwise --help'), or call '$(VENV)/bin/streetwise' directly."

.PHONY: help venv report lab test lint format clean docs bench golden explore mutation

help:
	@echo "make report  - set up .venv, run the standard and factorial experiments and the experiments"
	@echo "               in sampled worlds (robustness, screening, Sobol; finished runs are reused: hours"
	@echo "               the first time) and write their pages, the calibration and reports/index.html"
	@echo "make report QUICK=1 - the same at 3 replications x 120 days (pages marked indicative only)"
	@echo "               with a tiny sensitivity page (robustness_quick, screening_quick, sobol_quick)"
	@echo "make report SENSITIVITY=0 - leave the sampled worlds out (about 1,940 runs fewer)"
	@echo "make lab     - JupyterLab on 127.0.0.1 with the project's kernel (streetwise)"
	@echo "make test    - set up .venv, lint and run the full test suite"
	@echo "make lint    - ruff check, ruff format --check and the import contracts (lint-imports)"
	@echo "make format  - ruff format and ruff check --fix"
	@echo "make clean   - remove .venv and generated reports"
	@echo "make bench   - performance benchmarks -> benchmarks/results/ (see docs/performance.md)"
	@echo "make docs    - regenerate the parameter table of docs/ODD.md"
	@echo "make mutation - mutation testing of outcomes, analysis, store and config (hours; kill rate, survivors)"
	@echo "make golden  - rewrite tests/golden/ after a change meant to alter behaviour"
	@echo "make explore - the interactive explorer on http://$(EXPLORE_HOST):$(EXPLORE_PORT)/ (EXPLORE_PORT=... to change)"

# Recreate .venv when it is missing, broken or its Python is older than 3.12.
# Re-install when pyproject.toml is newer than the stamp file.
venv:
	@set -e; \
	if [ -x "$(VPY)" ] && "$(VPY)" -c 'import sys; sys.exit(0 if sys.version_info >= (3,12) else 1)' 2>/dev/null; then \
		:; \
	else \
		echo "setup 1/3: looking for Python >= 3.12"; \
		py=$$(./scripts/find_python.sh) || exit 1; \
		echo "setup 2/3: creating $(VENV) with $$py"; \
		rm -rf "$(VENV)"; \
		"$$py" -m venv "$(VENV)"; \
	fi; \
	if [ ! -f "$(STAMP)" ] || [ pyproject.toml -nt "$(STAMP)" ]; then \
		direct=$$("$(VPY)" -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print(len(p["dependencies"]) + len(p["optional-dependencies"]["dev"]))'); \
		echo "setup 3/3: installing streetwise[dev] into $(VENV): $$direct packages and what they need (about 180 in all), about 3 minutes the first time, seconds after that"; \
		start=$$(date +%s); \
		$(PIP_ENV) "$(VPY)" -m pip install -q -e ".[dev]"; \
		touch "$(STAMP)"; \
		echo "setup done in $$(( $$(date +%s) - start )) s"; \
		$(REACH); \
	fi

# The full report includes the experiments in sampled worlds (robustness, Morris screening,
# Sobol: hours on 2 cores); QUICK=1: reduced replications and horizon with their tiny
# versions; SENSITIVITY=0: leave the sampled worlds out; LANG=xx: language of the pages,
# taken only from the make command line (LANG from the environment is the locale, not a
# report language).
comma := ,
REPORT_FLAGS := $(if $(filter 1 yes true,$(QUICK)),--quick) \
	$(if $(filter 0 no false,$(SENSITIVITY)),,--sensitivity) \
	$(if $(filter command line,$(origin LANG)),--lang $(LANG),--lang en$(comma)zh)

report: venv
	$(VENV)/bin/streetwise report $(strip $(REPORT_FLAGS))
	@echo "Open reports/index.html in a browser."
	@$(REACH)

lab: venv
	$(VPY) -m model.reporting.kernel --lab

# The test files are spread over the cores (pytest-xdist), each file whole on one worker:
# a file's tests share its module fixtures and, where they say so, this process's forkserver.
test: lint
	$(VPY) -m pytest -n auto --dist loadfile
	@$(REACH)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV)
	find reports -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} + 2>/dev/null || true

docs: venv
	$(VPY) -m model.reporting.paramdoc

golden: venv
	$(VPY) tests/sim/test_golden.py --write

bench: venv
	$(VPY) benchmarks/run.py

# Mutation testing (hours, lowest priority; never in CI): kill rate and survivors.
mutation: venv
	scripts/mutation.sh

explore: venv
	@echo "Streetwise explorer: http://$(EXPLORE_HOST):$(EXPLORE_PORT)/  (Ctrl-C stops it)"
	OPENBLAS_NUM_THREADS=$${OPENBLAS_NUM_THREADS:-1} \
		$(VENV)/bin/solara run model/explore/app.py --host $(EXPLORE_HOST) \
		--port $(EXPLORE_PORT) --production --no-open --no-check-version
