"""The dev stack deployed once per session into the test cluster, and how tests change it.

Tests share one engine project and one cluster (a cold deploy is the slow part); each test
that changes the catalog puts it back and converges again before it ends.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto
from typer.testing import CliRunner

from engine_project import Project
from slipway.cli import app
from slipway.tooling import progress

NAMESPACE = "slipway-dev"


@dataclass
class Deployed:
    first: auto.UpResult
    seconds: float


def deploy(project: Project) -> Deployed:
    start = time.monotonic()
    result = project.up()
    return Deployed(result, time.monotonic() - start)


def counts(result: auto.UpResult) -> dict[str, int]:
    return {str(getattr(op, "value", op)): n
            for op, n in (result.summary.resource_changes or {}).items()}


def slipway(project: Project, *args: str) -> tuple[int, dict[str, Any], str]:
    """Run the `slipway` CLI on the project; (exit code, last JSON line, stderr)."""
    result = CliRunner().invoke(app, [*args, "--json", "--project-dir", str(project.path)])
    lines = [line for line in result.stdout.strip().splitlines() if line.startswith("{")]
    return result.exit_code, (json.loads(lines[-1]) if lines else {}), result.stderr


def replace_digest(text: str, service: str, digest: str) -> str:
    return re.sub(rf"(shop/{service}@sha256:)[0-9a-f]{{64}}", rf"\g<1>{digest}", text, count=1)


@contextmanager
def edited(project: Project, service: str, new_text: str) -> Iterator[Path]:
    """The service file changed for the body of the `with`; restored (and converged) after."""
    path = project.services / f"{service}.yaml"
    original = path.read_text()
    path.write_text(new_text)
    try:
        yield path
    finally:
        path.write_text(original)
        up_from_files(project)


def up_from_files(project: Project) -> None:
    """An up as if nothing had been released: the recorded release progress (the backend's
    `releases` output) is not handed over, so every service runs its file's version again."""
    stack = project.stack()
    progress.hand_off(stack, progress.Recorded(), {})
    project.events.clear()
    stack.up(on_output=project.log.append, on_event=project.events.append, color="never")
