"""A throwaway copy of the Slipway project on its own local backend, driven for real.

Used by the integration tests (see conftest.py for the fixture that makes one).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from slipway.tooling import progress, stacks

ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "__main__.py")
PASSPHRASE = "integration-test-passphrase"


@dataclass
class Project:
    """A copy of the Slipway project with its own state, rendered output and event log."""

    path: Path
    backend: Path
    events: list[auto.EngineEvent] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    @property
    def services(self) -> Path:
        return self.path / "services"

    @property
    def out(self) -> Path:
        return self.path / "out" / "dev"

    def stack(self, name: str = "dev") -> auto.Stack:
        return stacks.stack(name, self.path)

    def up(self, name: str = "dev", message: str | None = None) -> auto.UpResult:
        """`pulumi up` as the tool runs it: with the recorded release progress handed over."""
        self.events.clear()
        stack = self.stack(name)
        progress.hand_off(stack)
        return stack.up(on_output=self.log.append, on_event=self.events.append, color="never",
                        message=message)

    def progress(self, name: str = "dev") -> dict[str, Any]:
        """The recorded release progress (the stack's `releases` output), plain."""
        outputs = self.stack(name).outputs()
        return dict(outputs["releases"].value) if "releases" in outputs else {}

    def handoff_env(self, name: str = "dev") -> dict[str, str]:
        """The environment a bare `pulumi` command needs to run with the recorded progress
        exactly as it is (every service pinned, nothing reconciled with its file)."""
        stack = self.stack(name)
        known = progress.recorded(stack)
        progress.hand_off(stack, known, dict(known.states))
        return dict(stack.workspace.env_vars or {})

    def changed_urns(self) -> dict[str, list[str]]:
        """URNs by operation (create/update/delete/replace) from the last run's events."""
        changes: dict[str, list[str]] = {}
        for event in self.events:
            if event.resource_pre_event is not None:
                metadata = event.resource_pre_event.metadata
                op = str(getattr(metadata.op, "value", metadata.op))
                if op != "same":
                    changes.setdefault(op, []).append(metadata.urn)
        return changes

    def manifests(self) -> dict[str, str]:
        return {str(p.relative_to(self.out)): p.read_text()
                for p in stacks.rendered_files(self.out)}

    def state_text(self) -> str:
        return "\n".join(p.read_text(errors="replace")
                         for p in sorted(self.backend.rglob("*")) if p.is_file())

    def resources(self, name: str = "dev") -> list[dict[str, Any]]:
        deployment = self.stack(name).export_stack().deployment or {}
        return list(deployment.get("resources", []))


def require_toolchain() -> None:
    if shutil.which("pulumi") is None or not os.environ.get("SLIPWAY_TOOLCHAIN_BIN"):
        pytest.fail("integration tests need the Pulumi toolchain: run them with `make test` "
                    "(it sources toolchain/env.sh)", pytrace=False)
    version = subprocess.run(["pulumi", "version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip().startswith("v3."), version.stdout


def copy_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 render: bool = True) -> Project:
    """A fresh copy of the project, its own file backend, the dev stack not yet created;
    dev renders into out/dev unless `render` is False."""
    require_toolchain()
    copy = tmp_path / "slipway"
    copy.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, copy / name)
    shutil.copytree(ROOT / "services", copy / "services")
    (copy / ".venv").symlink_to(ROOT / ".venv")
    backend = tmp_path / "state"
    backend.mkdir()
    monkeypatch.setenv("PULUMI_BACKEND_URL", f"file://{backend}")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    trust_example_key(tmp_path, monkeypatch)
    # The committed salt belongs to the dev passphrase; this stack gets its own.
    for stack_file in copy.glob("Pulumi.*.yaml"):
        lines = stack_file.read_text().splitlines(keepends=True)
        stack_file.write_text("".join(line for line in lines
                                      if not line.startswith("encryptionsalt:")))
    if render:
        render_dev(copy)
    return Project(path=copy, backend=backend)


def trust_example_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Provide prod's trusted signing key as the platform team does (policy/README.md):
    SLIPWAY_TRUSTED_KEYS names a PEM file. Here it is the example key that signed the example
    catalog's images, which policy/config/prod.json does not trust by itself."""
    document = json.loads((ROOT / "policy" / "config" / "dev.json").read_text())
    pem = document["slipway-k8s-workload-image-signature"]["publicKeys"]["slipway-example"]
    path = tmp_path / "trusted-keys" / "slipway-example.pub"
    path.parent.mkdir(exist_ok=True)
    path.write_text(pem)
    monkeypatch.setenv("SLIPWAY_TRUSTED_KEYS", str(path))
    return path


def render_dev(copy: Path, render_dir: str = "out/dev") -> None:
    """dev in render mode (no cluster): what these tests check is the rendered manifests.
    The committed Pulumi.dev.yaml deploys to the local cluster (tests/cluster covers that)."""
    stack_file = copy / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document["config"]["slipway:kubernetes"] = {"renderDir": render_dir}
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))


def render_prod_without_aws(project: Project) -> None:
    """The prod stack's Kubernetes side, rendered: Pulumi.prod.yaml without `slipway:aws`
    (the AWS provider plugin does not exist here, so the platform runs under mocks only,
    tests/unit/test_platform_program.py) and with the manifests written to out/prod. Charts
    are skipped (no chart download here) and the operator's role, an AWS output, is given."""
    stack_file = project.path / "Pulumi.prod.yaml"
    document = yaml.safe_load(stack_file.read_text())
    assert "slipway:aws" in document["config"]  # this test exists because prod needs AWS
    del document["config"]["slipway:aws"]
    document["config"]["slipway:kubernetes"] = {"renderDir": "out/prod"}
    platform = document["config"]["slipway:platform"]
    platform["charts"] = "skip"
    platform["externalSecrets"]["roleArn"] = "arn:aws:iam::123456789012:role/external-secrets"
    stack_file.write_text(yaml.safe_dump(document))
