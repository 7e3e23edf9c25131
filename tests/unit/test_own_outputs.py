"""A bare run's own-progress read starts first thing and runs while the program imports the
components (stack/own_outputs.py): the program starts it before its other imports, importing
it loads no spec model, and what it read (or why it could not) reaches the progress."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi import automation as auto
from pulumi.automation._cmd import CommandResult

import slipway
import slipway.stack
from slipway.spec.errors import SpecError
from slipway.stack import own_outputs, own_progress
from slipway.stack.stack_outputs import ENV

ROOT = Path(__file__).resolve().parents[2]
RELEASES = {"api": {"stable": {"version": "1.2.3",
                               "image": "registry.example.com/team/api@sha256:" + "a" * 64}}}


class Workspace:
    """Stands in for a LocalWorkspace: answers `stack output --json` and records the stack."""

    def __init__(self, outputs: dict[str, Any]) -> None:
        self.env_vars: dict[str, str] = {}
        self.work_dir = "."
        self.pulumi_home = None
        self.stacks: list[str] = []
        workspace = self

        class Command:
            def run(self, args: list[str], cwd: str,
                    additional_env: dict[str, str]) -> CommandResult:
                workspace.stacks.append(args[args.index("--stack") + 1])
                return CommandResult(stdout=json.dumps(outputs), stderr="", code=0)

        self.pulumi_command = Command()


def test_the_program_starts_the_read_before_any_other_import() -> None:
    tree = ast.parse((ROOT / "__main__.py").read_text())
    statements = [node for node in tree.body
                  if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    start = next(index for index, node in enumerate(statements)
                 if "start_own_read(" in ast.unparse(node) and isinstance(node, ast.Assign))
    imported_before = {alias.name if isinstance(node, ast.Import) else node.module
                       for node in statements[:start]
                       if isinstance(node, ast.Import | ast.ImportFrom)
                       for alias in node.names}
    assert imported_before <= {"os", "pathlib", "slipway.stack.own_outputs"}, imported_before
    assert any(isinstance(node, ast.ImportFrom) and node.module == "slipway"
               for node in statements[start:])


def test_importing_the_read_builds_no_spec_model() -> None:
    # A fresh interpreter: this one has imported everything already.
    code = ("import sys, slipway.stack.own_outputs; "
            "print(sorted(m for m in sys.modules if m.startswith(('slipway', 'pydantic', "
            "'pulumi_kubernetes'))))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                       text=True, check=True).stdout.replace("'", '"'))
    assert loaded == ["slipway", "slipway._lazy", "slipway._version", "slipway.stack",
                      "slipway.stack.own_outputs", "slipway.stack.stack_outputs"]


@pytest.mark.parametrize("package", [slipway, slipway.stack])
def test_package_names_load_on_first_use_and_unknown_names_are_refused(package: Any) -> None:
    assert sorted(package._HOMES) == sorted(package.__all__)
    for name in package.__all__:
        value = getattr(package, name)
        assert isinstance(value, str) or value.__name__ == name
    with pytest.raises(AttributeError, match="no attribute 'NotAName'"):
        _ = package.NotAName
    assert not hasattr(package, "not_a_name")


def test_a_bare_run_reads_its_own_qualified_stack_on_another_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = Workspace({"releases": RELEASES})
    monkeypatch.setattr(auto, "LocalWorkspace", lambda **_kwargs: workspace)
    monkeypatch.setattr(own_outputs, "under_mocks", lambda: False)
    monkeypatch.delenv(ENV, raising=False)
    for name, value in {"organization": "team", "project": "shop", "stack": "dev"}.items():
        monkeypatch.setattr(pulumi, f"get_{name}", lambda value=value: value)

    pending = own_outputs.start_own_read(Path("."))

    assert pending is not None
    handoff = own_progress.read_own_progress("dev", Path("."), pending=pending)
    assert handoff.recorded["api"].stable is not None
    assert handoff.recorded["api"].stable.version == "1.2.3"
    assert workspace.stacks == ["team/shop/dev"]


def test_no_read_starts_when_the_tool_handed_the_progress_over_or_under_mocks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auto, "LocalWorkspace", lambda **_kwargs: pytest.fail("read started"))
    monkeypatch.setattr(own_outputs, "under_mocks", lambda: False)
    monkeypatch.setenv(ENV, json.dumps({"recorded": {}, "intent": {}}))
    assert own_outputs.start_own_read(Path(".")) is None
    monkeypatch.delenv(ENV)
    monkeypatch.setattr(own_outputs, "under_mocks", lambda: True)
    assert own_outputs.start_own_read(Path(".")) is None


def test_a_started_read_that_failed_stops_the_run_with_the_cli_error_and_no_secret() -> None:
    pending: Future[dict[str, object]] = Future()
    pending.set_exception(auto.errors.CommandError(CommandResult(
        stdout="", code=255,
        stderr="error: failed to open bucket s3://deployer:hunter2-secret@state.example.com"
               "/slipway: connection refused\n")))
    with pytest.raises(SpecError, match=r"could not be read .*failed to open bucket") as raised:
        own_progress.read_own_progress("dev", Path("."), pending=pending)
    assert "hunter2" not in str(raised.value)
