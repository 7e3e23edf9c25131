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
from typing import Annotated

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


def _fail(err: auto.errors.CommandError, streamed: bool) -> None:
    # When streaming, the engine already printed the program's error (file:field lines).
    if not streamed:
        sys.stderr.write(f"{err}\n")
    console.print(f"[red]slipway: the Pulumi engine failed[/red] ({type(err).__name__})")
    raise typer.Exit(code=1)


@app.command()
def up(stack: StackOption = "dev", json_output: JsonOption = False,
       project_dir: ProjectOption = Path(".")) -> None:
    """Deploy (or render) a stack with the real engine, then print a one-line summary."""
    try:
        run = stacks.up(stack, project_dir, on_output=_stream(json_output))
    except auto.errors.CommandError as err:
        _fail(err, streamed=not json_output)
        return
    render_dir = run.outputs.get("renderDir")
    files = stacks.rendered_files(project_dir / render_dir) if render_dir else []
    if json_output:
        print(json.dumps({"stack": stack, "changes": run.changes, "renderDir": render_dir,
                          "manifests": len(files), "services": sorted(
                              run.outputs.get("services", {}))}))
        return
    where = f"; {len(files)} manifests in {render_dir}/" if render_dir else ""
    services = len(run.outputs.get("services", {}))
    console.print(f"[green]{run.summary()}[/green] ({services} services{where})")


@app.command()
def preview(stack: StackOption = "dev", json_output: JsonOption = False,
            project_dir: ProjectOption = Path(".")) -> None:
    """Show what an `up` would change."""
    try:
        run = stacks.preview(stack, project_dir, on_output=_stream(json_output))
    except auto.errors.CommandError as err:
        _fail(err, streamed=not json_output)
        return
    if json_output:
        print(json.dumps({"stack": stack, "changes": run.changes}))
        return
    console.print(run.summary())


@app.command()
def destroy(stack: StackOption = "dev", remove: Annotated[bool, typer.Option(
        "--remove", help="Also delete the stack and its history.")] = False,
            json_output: JsonOption = False,
            project_dir: ProjectOption = Path(".")) -> None:
    """Delete everything a stack created (rendered files included)."""
    try:
        run = stacks.destroy(stack, project_dir, remove=remove,
                             on_output=_stream(json_output))
    except auto.errors.CommandError as err:
        _fail(err, streamed=not json_output)
        return
    if json_output:
        print(json.dumps({"stack": stack, "changes": run.changes, "removed": remove}))
        return
    console.print(run.summary())


if __name__ == "__main__":
    sys.exit(app())
