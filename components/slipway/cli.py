"""`slipway`: the command-line tool, driving stacks through Pulumi's Automation API.

    slipway up --stack dev          # the dev stack: manifests rendered into out/dev
    slipway preview --stack prod
    slipway destroy --stack dev

Every command takes `--json` for machines; the human output is one summary line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pulumi import automation as auto
from rich.console import Console

from .tooling import stacks

app = typer.Typer(help="Ship microservices with Pulumi: stacks, previews, releases.",
                  no_args_is_help=True, add_completion=False)
console = Console(stderr=True, soft_wrap=True)  # one summary line, never re-wrapped

StackOption = Annotated[str, typer.Option("--stack", "-s", help="Stack: dev, prod or pr-N.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print a JSON result on stdout.")]
ProjectOption = Annotated[Path, typer.Option("--project-dir", help="Slipway project directory.")]


def _stream(quiet: bool) -> Callable[[str], None] | None:
    def write(line: str) -> None:
        # Untouched: rich would re-wrap the engine's file:field error lines.
        sys.stderr.write(line if line.endswith("\n") else f"{line}\n")
        sys.stderr.flush()

    return None if quiet else write


def _engine(operation: Callable[..., stacks.StackRun], json_output: bool,
            **kwargs: Any) -> stacks.StackRun:
    """Run one stack operation; on an engine failure, show why and exit 1."""
    try:
        return operation(on_output=_stream(json_output), **kwargs)
    except auto.errors.CommandError as err:
        # When streaming, the engine already printed the program's error (file:field lines).
        if json_output:
            sys.stderr.write(f"{err}\n")
        console.print(f"[red]slipway: the Pulumi engine failed[/red] ({type(err).__name__})")
        raise typer.Exit(code=1) from None


def _report(run: stacks.StackRun, json_output: bool, extra: dict[str, Any],
            human: str = "") -> None:
    if json_output:
        print(json.dumps({"stack": run.stack, "changes": run.changes, **extra}))
    else:
        console.print(f"[green]{run.summary()}[/green]{human}")


@app.command()
def up(stack: StackOption = "dev", json_output: JsonOption = False,
       project_dir: ProjectOption = Path(".")) -> None:
    """Deploy (or render) a stack with the real engine, then print a one-line summary."""
    run = _engine(stacks.up, json_output, name=stack, project_dir=project_dir)
    render_dir = run.outputs.get("renderDir")
    files = stacks.rendered_files(project_dir / render_dir) if render_dir else []
    services = sorted(run.outputs.get("services", {}))
    where = f"; {len(files)} manifests in {render_dir}/" if render_dir else ""
    _report(run, json_output,
            {"renderDir": render_dir, "manifests": len(files), "services": services},
            f" ({len(services)} services{where})")


@app.command()
def preview(stack: StackOption = "dev", json_output: JsonOption = False,
            project_dir: ProjectOption = Path(".")) -> None:
    """Show what an `up` would change."""
    run = _engine(stacks.preview, json_output, name=stack, project_dir=project_dir)
    _report(run, json_output, {})


@app.command()
def destroy(stack: StackOption = "dev", remove: Annotated[bool, typer.Option(
        "--remove", help="Also delete the stack and its history.")] = False,
            json_output: JsonOption = False,
            project_dir: ProjectOption = Path(".")) -> None:
    """Delete everything a stack created (rendered files included)."""
    run = _engine(stacks.destroy, json_output, name=stack, project_dir=project_dir,
                  remove=remove)
    _report(run, json_output, {"removed": remove})


if __name__ == "__main__":
    sys.exit(app())
