"""A stack selected and its recorded progress read at the same time
(tooling/stacks.stack_and_progress): the read names the stack, so only a stack that does not
exist yet needs the selection (which creates it) first."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from pulumi import automation as auto
from pulumi.automation._cmd import CommandResult
from semver import VersionInfo

from slipway.tooling import deliver_run, progress, stacks

ROOT = Path(__file__).resolve().parents[2]
RELEASES = {"api": {"stable": {"version": "1.2.3",
                               "image": "registry.example.com/team/api@sha256:" + "a" * 64}}}


class Cli:
    """`pulumi` for one backend: `stack select` / `stack init` / `stack output --json`."""

    version = VersionInfo(3, 259, 0)

    def __init__(self, *, exists: bool, updated: bool = True, answers: bool = True,
                 overlap: threading.Barrier | None = None) -> None:
        self.exists, self.updated, self.answers = exists, updated, answers
        self.overlap = overlap
        self.commands: list[list[str]] = []
        self.lock = threading.Lock()

    def run(self, args: list[str], cwd: str, additional_env: dict[str, str],
            on_output: Callable[[str], None] | None = None,
            on_error: Callable[[str], None] | None = None) -> CommandResult:
        args = [a for a in args if a != "--non-interactive"]
        with self.lock:
            self.commands.append(args)
        if self.overlap is not None and args[:2] in (["stack", "select"], ["stack", "output"]):
            self.overlap.wait()
        if not self.answers:
            raise auto.errors.CommandError(CommandResult(
                stdout="", stderr="error: failed to open bucket: connection refused", code=255))
        if args[:2] == ["stack", "init"]:
            self.exists = True
            return CommandResult(stdout="", stderr="", code=0)
        if not self.exists:
            raise auto.errors.StackNotFoundError(CommandResult(
                stdout="", stderr="error: no stack named 'dev' found", code=255))
        if args[:2] == ["stack", "output"]:
            found = {"releases": RELEASES} if self.updated else {}
            return CommandResult(stdout=json.dumps(found), stderr="", code=0)
        return CommandResult(stdout="", stderr="", code=0)


@pytest.fixture
def cli(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Cli:
    fake: Cli = request.param
    monkeypatch.setattr(stacks, "pulumi_command", lambda: fake)
    return fake


@pytest.mark.parametrize("cli", [Cli(exists=True, overlap=threading.Barrier(2, timeout=10))],
                         indirect=True)
def test_the_progress_is_read_while_the_stack_is_selected(cli: Cli) -> None:
    # Each command waits for the other to have started: one after the other, they fail.
    selected, recorded = stacks.stack_and_progress("dev", ROOT)
    assert selected.name == "dev"
    assert recorded.states["api"].stable is not None
    assert sorted(c[:2] for c in cli.commands) == [["stack", "output"], ["stack", "select"]]


@pytest.mark.parametrize("cli", [Cli(exists=False, updated=False)], indirect=True)
def test_a_new_stack_is_created_and_reads_as_nothing_recorded(cli: Cli) -> None:
    # Whichever comes first, the read (failing: no such stack) or the creation, the result
    # is the new stack and nothing recorded.
    selected, recorded = stacks.stack_and_progress("dev", ROOT)
    assert selected.name == "dev" and recorded.states == {}
    assert ["stack", "init"] in [c[:2] for c in cli.commands]
    assert [c[:2] for c in cli.commands][-1] == ["stack", "output"]


@pytest.mark.parametrize("cli", [Cli(exists=True, answers=False)], indirect=True)
def test_a_backend_that_does_not_answer_fails_closed_as_a_progress_read(cli: Cli) -> None:
    with pytest.raises(progress.ProgressUnreadableError, match=r"could not be read .*failed to"):
        stacks.stack_and_progress("dev", ROOT)


@pytest.mark.parametrize("cli", [Cli(exists=False)], indirect=True)
def test_deliver_reads_the_stage_before_by_name_and_never_creates_it(cli: Cli) -> None:
    run = SimpleNamespace(options=SimpleNamespace(project_dir=ROOT))
    settings = SimpleNamespace(delivery=SimpleNamespace(after="dev"))
    new_service = {"api": SimpleNamespace(need="first", starts_new_release=False)}
    assert deliver_run._upstream(run, settings, new_service) == {}  # type: ignore[arg-type]
    assert [c[:2] for c in cli.commands] == [["stack", "output"]]
    assert cli.commands[0][-2:] == ["--stack", "dev"]


@pytest.mark.parametrize("cli", [Cli(exists=True)], indirect=True)
def test_the_stage_before_reads_as_it_recorded(cli: Cli) -> None:
    found = progress.recorded_elsewhere(stacks.workspace(ROOT), "dev")
    assert found.states["api"].stable is not None


@pytest.mark.parametrize("cli", [Cli(exists=True, answers=False)], indirect=True)
def test_an_unreadable_stage_before_fails_closed(cli: Cli) -> None:
    with pytest.raises(progress.ProgressUnreadableError, match=r"stack dev: .*could not be read"):
        progress.recorded_elsewhere(stacks.workspace(ROOT), "dev")
