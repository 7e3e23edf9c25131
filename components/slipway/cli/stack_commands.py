"""`slipway up|preview|destroy`: one stack operation with the real engine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..tooling import stacks
from .common import JsonOption, ProjectOption, StackOption, engine, report


def up(stack: StackOption = "dev", json_output: JsonOption = False,
       project_dir: ProjectOption = Path(".")) -> None:
    """Deploy (or render) a stack with the real engine, then print a one-line summary."""
    run = engine(stacks.up, json_output, name=stack, project_dir=project_dir)
    render_dir = run.outputs.get("renderDir")
    files = stacks.rendered_files(project_dir / render_dir) if render_dir else []
    services = sorted(run.outputs.get("services", {}))
    where = f"; {len(files)} manifests in {render_dir}/" if render_dir else ""
    report(run, json_output,
           {"renderDir": render_dir, "manifests": len(files), "services": services},
           f" ({len(services)} services{where})")


def preview(stack: StackOption = "dev", json_output: JsonOption = False,
            project_dir: ProjectOption = Path(".")) -> None:
    """Show what an `up` would change."""
    run = engine(stacks.preview, json_output, name=stack, project_dir=project_dir)
    report(run, json_output, {})


def destroy(stack: StackOption = "dev", remove: Annotated[bool, typer.Option(
        "--remove", help="Also delete the stack and its history.")] = False,
            json_output: JsonOption = False,
            project_dir: ProjectOption = Path(".")) -> None:
    """Delete everything a stack created (rendered files included)."""
    run = engine(stacks.destroy, json_output, name=stack, project_dir=project_dir,
                 remove=remove)
    report(run, json_output, {"removed": remove})
