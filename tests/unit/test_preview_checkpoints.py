"""Previews skip the per-step checkpoints newer Pulumi file backends write even for previews
(tooling/stacks.PREVIEW_ONLY); updates never do, so an interrupted update leaves its record."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pulumi import automation as auto

from slipway.tooling import progress, recovery, stack_cli, stacks

SKIP = "PULUMI_SKIP_CHECKPOINTS"


class FakeStack:
    """Records the workspace environment each engine run would get."""

    def __init__(self) -> None:
        self.name = "dev"
        self.workspace = auto.LocalWorkspace.__new__(auto.LocalWorkspace)
        self.workspace.env_vars = {"PULUMI_BACKEND_URL": "file:///nowhere"}
        self.runs: list[tuple[str, dict[str, str]]] = []

    def preview(self, **_: Any) -> Any:
        self.runs.append(("preview", dict(self.workspace.env_vars)))
        return SimpleNamespace(change_summary={})

    def update(self, *_: Any, **__: Any) -> stack_cli.Updated:
        self.runs.append(("up", dict(self.workspace.env_vars)))
        return stack_cli.Updated(changes={}, outputs={})


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeStack:
    stack = FakeStack()
    monkeypatch.setattr(stacks, "stack", lambda *_, **__: stack)
    monkeypatch.setattr(progress, "hand_off", lambda selected, known=None, intent=None:
                        known or progress.Recorded())
    monkeypatch.setattr(recovery, "recover", lambda *_: recovery.Recovery())
    monkeypatch.setattr(stack_cli, "update", lambda selected, *_, **__: selected.update())
    return stack


def test_a_preview_skips_the_per_step_checkpoints(fake: FakeStack) -> None:
    stacks.preview("dev", Path("."))
    assert fake.runs == [("preview", {"PULUMI_BACKEND_URL": "file:///nowhere", SKIP: "true"})]


def test_an_update_keeps_its_checkpoints(fake: FakeStack) -> None:
    stacks.up("dev", Path("."))
    assert [(kind, SKIP in env) for kind, env in fake.runs] == [("up", False)]

