"""Reading a stack's recorded release progress fails closed (tooling/progress.py): a backend
that does not answer stops every command before anything changes; only a stack never updated
reads as "nothing recorded"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi import automation as auto
from pulumi.automation._cmd import CommandResult
from typer.testing import CliRunner

from slipway.cli import app
from slipway.release_state import ReleaseRef, ReleaseState
from slipway.stack.progress import ENV
from slipway.tooling import deliver_run, previews, progress, releases, stacks

ROOT = Path(__file__).resolve().parents[2]
BACKEND_DOWN = CommandResult(
    stdout="", code=255,
    stderr="error: could not read the stack: failed to open bucket "
           "s3://deployer:hunter2-secret@state.example.com/slipway: connection refused\n")
STABLE = ReleaseRef(version="2.4.0", image="registry.example.com/shop/storefront@sha256:"
                    + "d" * 64)


class FakeCommand:
    """The `pulumi` CLI as the workspace runs it: `stack output --json` answers as told."""

    def __init__(self, outputs: dict[str, Any] | None) -> None:
        self._outputs = outputs

    def run(self, args: list[str], cwd: str, additional_env: dict[str, str]) -> CommandResult:
        assert args[:3] == ["stack", "output", "--json"], args
        if self._outputs is None:
            raise auto.errors.CommandError(BACKEND_DOWN)
        return CommandResult(stdout=json.dumps(self._outputs), stderr="", code=0)


class FakeStack:
    """The Automation API's view of the dev stack: its real config and stack file; outputs
    as told."""

    def __init__(self, outputs: dict[str, Any] | None) -> None:
        self.name = "dev"
        self._outputs = outputs
        self.workspace = auto.LocalWorkspace.__new__(auto.LocalWorkspace)
        self.workspace.env_vars = {}
        self.workspace.work_dir = str(ROOT)
        self.workspace.pulumi_home = None
        self.workspace.pulumi_command = FakeCommand(outputs)  # type: ignore[assignment]

    def outputs(self) -> dict[str, auto.OutputValue]:
        if self._outputs is None:
            raise auto.errors.CommandError(BACKEND_DOWN)
        return {key: auto.OutputValue(value, secret=False)
                for key, value in self._outputs.items()}

    def get_all_config(self) -> dict[str, auto.ConfigValue]:
        config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
        return {key: auto.ConfigValue(value if isinstance(value, str) else json.dumps(value))
                for key, value in config.items()}


def test_a_stack_never_updated_reads_as_nothing_recorded() -> None:
    # `pulumi stack output` answers {} (exit 0) for a stack that exists but has no update yet.
    found = progress.recorded(FakeStack({}))  # type: ignore[arg-type]
    assert found.states == {} and found.running == {}


def test_a_recorded_release_is_read_from_the_releases_output() -> None:
    stack = FakeStack({"releases": {"storefront": ReleaseState(stable=STABLE).model_dump(
        mode="json", by_alias=True, exclude_none=True)}})
    found = progress.recorded(stack)  # type: ignore[arg-type]
    state = found.states["storefront"].stable
    assert state is not None and state.version == "2.4.0"


def test_an_unreadable_backend_stops_the_read_with_the_cli_error_and_no_secret() -> None:
    with pytest.raises(progress.ProgressUnreadableError) as failed:
        progress.recorded(FakeStack(None))  # type: ignore[arg-type]
    message = str(failed.value)
    assert message.startswith("stack dev: its recorded release progress (output releases) "
                              "could not be read (error: could not read the stack")
    assert "nothing was changed" in message
    assert "hunter2-secret" not in message


def test_nothing_is_handed_to_an_engine_run_when_the_progress_is_unreadable() -> None:
    stack = FakeStack(None)
    with pytest.raises(progress.ProgressUnreadableError):
        progress.hand_off(stack)  # type: ignore[arg-type]
    assert ENV not in (stack.workspace.env_vars or {})


@pytest.fixture
def unreadable(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every stack's outputs fail to read; any update or preview is recorded (none may run)."""
    ran: list[str] = []
    monkeypatch.setattr(stacks, "stack", lambda *_a, **_k: FakeStack(None))
    monkeypatch.setattr(stacks, "workspace", lambda *_a, **_k: FakeStack(None).workspace)
    monkeypatch.setattr(auto.Stack, "create_or_select", lambda *_a, **_k: FakeStack(None))
    monkeypatch.setattr(previews, "deploy", lambda *_a, **_k: ran.append("up"))
    monkeypatch.setattr(releases, "run_step", lambda *_a, **_k: ran.append("step"))
    monkeypatch.setattr(deliver_run, "_pinned_up", lambda *_a, **_k: ran.append("up"))
    return ran


@pytest.mark.parametrize("command", [
    ["up", "--stack", "dev"],
    ["deliver", "--stack", "dev", "--prometheus-url", "http://127.0.0.1:9"],
    ["release", "start", "storefront", "--version", "2.5.0", "--image",
     "registry.example.com/shop/storefront@sha256:" + "e" * 64, "--stack", "dev"],
])
def test_every_command_exits_non_zero_and_changes_nothing_when_the_progress_is_unreadable(
        unreadable: list[str], command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--project-dir", str(ROOT)])
    assert result.exit_code == 1, result.output
    assert "stack dev: its recorded release progress (output releases) could not be read" in \
        " ".join(result.stderr.split())
    assert "hunter2-secret" not in result.stderr
    assert unreadable == []


class PreviewStack(FakeStack):
    """Records the environment each preview runs with."""

    def __init__(self, outputs: dict[str, Any] | None) -> None:
        super().__init__(outputs)
        self.previews: list[dict[str, str]] = []

    def preview(self, **_options: Any) -> None:
        self.previews.append(dict(self.workspace.env_vars or {}))


def test_a_preview_leaves_the_progress_to_the_program_unless_a_step_pins_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Unreadable outputs: a read by the tool would stop the preview before the engine ran.
    plain = PreviewStack(None)
    monkeypatch.setattr(stacks, "stack", lambda *_a, **_k: plain)
    previews.plan("dev", ROOT, None)
    assert len(plain.previews) == 1 and ENV not in plain.previews[0]

    step = PreviewStack({})
    monkeypatch.setattr(stacks, "stack", lambda *_a, **_k: step)
    previews.plan("dev", ROOT, None, intent={"storefront": ReleaseState(stable=STABLE)})
    assert "storefront" in json.loads(step.previews[0][ENV])["intent"]
