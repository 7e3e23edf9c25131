# Slipway's commands. Each target sets up what it needs: the virtualenv (pinned in
# pyproject.toml) and, for anything that runs the engine, the Pulumi toolchain built from Go
# modules and cached outside the repo (toolchain/install.sh).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: venv toolchain checkov actionlint up test unit integration lint workflows schema snapshots bench clean

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
test: venv toolchain checkov actionlint
	@source toolchain/env.sh && $(PY) -m pytest

# Policy pack and integration tests only (real engine).
integration: venv toolchain checkov
	@source toolchain/env.sh && $(PY) -m pytest tests/policy tests/integration

# Unit tests only: no engine needed, seconds.
unit: venv
	@$(PY) -m pytest tests/unit

lint: venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/mypy
	@$(VENV)/bin/mypy policy/__main__.py

schema: venv
	@$(PY) -m slipway.spec.schema services/schema.json

# Reviewed snapshots of what the example catalog registers per service and environment, and its
# URNs (tests/snapshots/). Refuses URNs that change without an alias (ACCEPT_URN_CHANGES=1).
snapshots: venv
	@PYTHONPATH=tests:policy $(PY) tests/catalog_snapshots.py

bench: venv
	@$(PY) bench/program_overhead.py

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache

# checkov scans rendered manifests in the integration tests; it pins its own dependency tree,
# so it lives in its own virtualenv.
CHECKOV_VERSION := 3.3.30
.venv-checkov/.installed-$(CHECKOV_VERSION):
	@echo "==> checkov $(CHECKOV_VERSION) (.venv-checkov)"
	@test -x .venv-checkov/bin/python || $(PYTHON) -m venv .venv-checkov
	@.venv-checkov/bin/python -m pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	@touch $@

checkov: .venv-checkov/.installed-$(CHECKOV_VERSION)

# actionlint checks .github/workflows (tests/workflows runs it); built from the Go module proxy,
# cached outside the repo like the toolchain.
ACTIONLINT_VERSION := 1.7.12
ACTIONLINT := $(HOME)/.cache/slipway/tools/actionlint-$(ACTIONLINT_VERSION)/actionlint
$(ACTIONLINT):
	@echo "==> actionlint $(ACTIONLINT_VERSION) ($(dir $(ACTIONLINT)))"
	@GOBIN=$(dir $(ACTIONLINT)) GOFLAGS=-mod=mod go install github.com/rhysd/actionlint/cmd/actionlint@v$(ACTIONLINT_VERSION)

actionlint: $(ACTIONLINT)

workflows: actionlint
	@$(ACTIONLINT)
