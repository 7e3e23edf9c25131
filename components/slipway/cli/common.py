"""What every `slipway` command shares: options, engine calls, and the one-line report."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pulumi import automation as auto
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from ..spec.errors import SpecError
from ..stack import StackSettings, stack_file_settings
from ..tooling import previews, progress, stacks

console = Console(stderr=True, soft_wrap=True)  # one summary line, never re-wrapped

StackOption = Annotated[str, typer.Option("--stack", "-s", help="Stack: dev, prod or pr-N.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON result on stdout.")]
ProjectOption = Annotated[Path, typer.Option("--project-dir", help="Slipway project directory.")]


class Commands(TyperGroup):
    """The command group: errors any command may meet become a message and an exit code."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context
        try:
            return super().invoke(ctx)
        except progress.ProgressUnreadableError as err:
            # Fail closed: without the recorded progress every file version would look
            # released (or unreleased); no command may go on guessing.
            console.print(f"[red]slipway:[/red] {escape(str(err))}", highlight=False)
            raise typer.Exit(code=1) from None


def stack_settings(project_dir: Path, stack: str) -> StackSettings | None:
    """The stack's validated settings from its file (None when it has none: the engine then
    says what is missing); bad settings print their `Pulumi.<stack>.yaml: slipway:<key>: ...`
    lines and exit 1 before the engine starts."""
    if not previews.config_file(project_dir, stack).is_file():
        return None
    try:
        return stack_file_settings(project_dir, stack)
    except SpecError as err:
        for line in err.problems:
            console.print(line, markup=False, highlight=False)
        raise typer.Exit(code=1) from None


def stack_environment(project_dir: Path, stack: str) -> str | None:
    """The stack's environment (see `stack_settings`)."""
    settings = stack_settings(project_dir, stack)
    return settings.environment if settings else None


def stream(quiet: bool) -> Callable[[str], None] | None:
    """Engine output to stderr, untouched, unless the caller wants JSON only."""
    def write(line: str) -> None:
        # Untouched: rich would re-wrap the engine's file:field error lines.
        sys.stderr.write(line if line.endswith("\n") else f"{line}\n")
        sys.stderr.flush()

    return None if quiet else write


def engine_errors(err: auto.errors.CommandError) -> list[str]:
    """The CLI's own `error:` lines (and who holds a lock): they go to the CLI's stderr, which
    the Automation API keeps in the exception instead of streaming."""
    text = str(err)
    stderr = text.split("stderr:", 1)[1] if "stderr:" in text else ""
    return [line.strip() for line in stderr.splitlines()
            if line.strip().startswith("error:") or "created by" in line]


def engine(operation: Callable[..., stacks.StackRun], json_output: bool,
           **kwargs: Any) -> stacks.StackRun:
    """Run one stack operation; on an engine failure, show why and exit 1."""
    try:
        return operation(on_output=stream(json_output), **kwargs)
    except auto.errors.CommandError as err:
        if json_output:
            sys.stderr.write(f"{err}\n")
        else:
            # The program's own errors (file:field lines) were streamed already; the CLI's
            # (a held lock, a backend it cannot read) were not.
            for line in engine_errors(err):
                sys.stderr.write(f"{line}\n")
        console.print(f"[red]slipway: the Pulumi engine failed[/red] ({type(err).__name__})")
        raise typer.Exit(code=1) from None


def report(run: stacks.StackRun, json_output: bool, extra: dict[str, Any],
           human: str = "") -> None:
    if json_output:
        print(json.dumps({"stack": run.stack, "changes": run.changes, **extra}))
    else:
        console.print(f"[green]{run.summary()}[/green]{human}")
