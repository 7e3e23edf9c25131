# Slipway's commands. Each target sets up what it needs: the virtualenv (pinned in
# pyproject.toml) and, for anything that runs the engine, the Pulumi toolchain built from Go
# modules and cached outside the repo (toolchain/install.sh).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: venv dist toolchain yaml-host cluster-binaries cluster cluster-down checkov actionlint \
	up down test unit integration cluster-test lint workflows schema snapshots bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@echo "==> python environment ($(VENV), pins from pyproject.toml)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check -e '.[platform,dev]'
	@rm -f $(VENV)/.installed-* && touch $@

# The published package (docs/publishing.md): wheel and sdist of slipway-components in dist/,
# built by the standard PEP 517 frontend in an isolated environment with the pinned backend.
dist: venv
	@rm -rf dist
	@$(PY) -m build --outdir dist . >/dev/null
	@ls dist

toolchain:
	@bash toolchain/install.sh >/dev/null

# The Pulumi YAML language host, for examples/yaml-service and its test (cached like the rest).
yaml-host:
	@bash toolchain/install-yaml.sh >/dev/null

# etcd, kube-apiserver, controller-manager, scheduler, kubectl and kwok, built from Go modules
# and cached outside the repo like the toolchain (toolchain/cluster/build.sh).
cluster-binaries:
	@bash toolchain/cluster/build.sh >/dev/null

# The local cluster on loopback the dev stack deploys to (docs/local-cluster.md).
cluster: venv cluster-binaries
	@$(VENV)/bin/slipway cluster up

cluster-down: venv
	@$(VENV)/bin/slipway cluster down

# The main job: start the local cluster unless it runs, then deploy the dev stack into it with
# the provider's awaits (every Deployment available, every migration Job complete). --refresh
# reads the cluster first, so a cluster rebuilt under the stack is deployed again, not trusted.
up: venv toolchain cluster
	@source toolchain/env.sh && $(VENV)/bin/slipway up --stack dev --refresh

# Destroy the dev stack, then stop the cluster (exactly the processes it started).
down: venv toolchain
	@if [ -f .slipway/cluster/state.json ]; then \
		$(VENV)/bin/slipway cluster up && \
		source toolchain/env.sh && $(VENV)/bin/slipway destroy --stack dev; \
	else echo "no local cluster: nothing deployed to destroy"; fi
	@$(VENV)/bin/slipway cluster down

# Every test: unit (mocks), policy, integration (real engine), cluster (a real API server on
# loopback, started and stopped by the tests). CI runs exactly this.
# The cluster tests share one cluster and one deployed dev stack, so they run in one process
# first; every other test then runs on every core (pytest-xdist), a test file on one worker so
# its fixtures are built once. PYTEST_WORKERS=0 runs those in one process.
PYTEST_WORKERS ?= auto
test: venv toolchain yaml-host cluster-binaries checkov actionlint
	@source toolchain/env.sh && $(PY) -m pytest tests/cluster
	@source toolchain/env.sh && $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile \
		--ignore=tests/cluster

# Policy pack and integration tests only (real engine).
integration: venv toolchain yaml-host checkov
	@source toolchain/env.sh && $(PY) -m pytest tests/policy tests/integration

# Cluster tests only: their own cluster (not the one `make up` uses), one per session.
cluster-test: venv toolchain cluster-binaries
	@source toolchain/env.sh && $(PY) -m pytest tests/cluster

# Unit tests only: no engine needed, seconds.
unit: venv
	@$(PY) -m pytest -n $(PYTEST_WORKERS) tests/unit

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
	rm -rf out dist .pytest_cache .mypy_cache .ruff_cache

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
