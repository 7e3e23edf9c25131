"""`slipway capacity`: can the stack's node groups schedule the catalog? No engine needed.

Reads `Pulumi.<stack>.yaml` and the catalog the way the program does and prints the capacity
table (max replicas plus rollout surge, times requests, against the node groups); exits 1 when
the catalog does not fit.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ..spec import SpecError, load_catalog
from ..stack import NodePool, capacity_report, stack_file_settings
from ..stack.capacity import cores, gib
from .common import JsonOption, ProjectOption, StackOption, console


def capacity(stack: StackOption = "prod", json_output: JsonOption = False,
             project_dir: ProjectOption = Path(".")) -> None:
    """Print the capacity table for a stack with `slipway:aws` node groups."""
    try:
        settings = stack_file_settings(project_dir, stack)
        if settings.aws is None:
            raise SpecError([f"Pulumi.{stack}.yaml: slipway:aws: not set, so the stack has no node "
                             "groups to check"])
        catalog = load_catalog(project_dir / settings.catalog, settings.environment)
        pools = [NodePool(g.name, g.instance_type, g.max_size) for g in settings.aws.node_groups]
        report = capacity_report(catalog, settings.to_environment(), pools)
    except (SpecError, ValueError) as err:
        problems = err.problems if isinstance(err, SpecError) else [str(err)]
        for line in problems:
            console.print(line, markup=False, highlight=False)
        raise typer.Exit(code=1) from None
    problems = report.problems()
    if json_output:
        print(json.dumps({
            "stack": stack, "fits": not problems, "problems": problems,
            "needed": {"cpu": cores(report.cpu_needed), "memoryGiB": gib(report.memory_needed),
                       "pods": report.pods_needed},
            "available": {"cpu": cores(report.cpu_available),
                          "memoryGiB": gib(report.memory_available),
                          "pods": report.pods_available},
        }))
    else:
        print(report.table())
        for line in problems:
            console.print(f"[red]{line}[/red]", highlight=False)
        if not problems:
            console.print(f"[green]fits: {cores(report.cpu_needed)} of "
                          f"{cores(report.cpu_available)} cores, {gib(report.memory_needed)} of "
                          f"{gib(report.memory_available)} GiB[/green]")
    if problems:
        raise typer.Exit(code=1)
