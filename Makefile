# Slipway's commands. Each target sets up what it needs: the virtualenv (pinned in
# pyproject.toml) and, for anything that runs the engine, the Pulumi toolchain built from Go
# modules and cached outside the repo (toolchain/install.sh).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: venv toolchain up test unit lint schema bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@echo "==> python environment ($(VENV), pins from pyproject.toml)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

toolchain:
	@bash toolchain/install.sh >/dev/null

# The main job: the dev stack with the real engine, manifests rendered into out/dev.
up: venv
	@source toolchain/env.sh && $(VENV)/bin/slipway up --stack dev

# Every test: unit (mocks), policy, integration (real engine). CI runs exactly this.
test: venv toolchain
	@source toolchain/env.sh && $(PY) -m pytest

# Unit tests only: no engine needed, seconds.
unit: venv
	@$(PY) -m pytest tests/unit

lint: venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy

schema: venv
	@$(PY) -m slipway.spec.schema services/schema.json

bench: venv
	@$(PY) bench/program_overhead.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
