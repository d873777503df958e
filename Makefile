# One task runner for people and CI. `make help` lists the targets.
SHELL := /bin/bash
# A uv binary on PATH, else the one pip installs as a Python module.
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
SEEDS ?= ../shared/seeds

.PHONY: help setup browser demo test eval lint typecheck bench clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

setup:  ## Install uv if missing, then the locked environment (.venv)
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --locked --quiet

browser:  ## Debian's headless Chromium for the browser tests, installed when missing (root or sudo)
	@[ -x /usr/bin/chromium ] || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

demo: setup  ## The main job: ingest the seed pages and print a cited report for one (offline)
	$(UV) run profile-agent ingest --seeds
	$(UV) run profile-agent summarize "Huazhong Yang"

test: setup lint typecheck browser  ## Lint, type check, then the test suite (offline; starts its own local servers)
	$(UV) run pytest -q

eval: setup  ## The eval suite on the seeds, with its report and gate (also run by `make test`)
	$(UV) run profile-agent eval

lint: setup  ## ruff lint + format check
	$(UV) run ruff check . && $(UV) run ruff format --check .

typecheck: setup  ## mypy over the packages (config in pyproject.toml)
	$(UV) run mypy

PAPERS ?= 100000

bench: setup  ## Benchmarks: ingest, report, identities, chat, HTTP, encoder vs sentence-transformers, cold start, 100k-paper store (PAPERS=N)
	uptime
	$(UV) run python -m benchmarks.ingest_bench
	$(UV) run python -m benchmarks.parse_bench
	$(UV) run python -m benchmarks.report_bench
	$(UV) run python -m benchmarks.identity_bench
	$(UV) run python -m benchmarks.chat_bench
	$(UV) run python -m benchmarks.http_bench
	$(UV) run python -m benchmarks.encoder_bench
	$(UV) run python -m benchmarks.coldstart_bench
	$(UV) run python -m benchmarks.scale_bench --papers $(PAPERS) --phases
	uptime

clean:  ## Remove caches (not the user's store)
	rm -rf .pytest_cache .ruff_cache
