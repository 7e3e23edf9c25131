"""Check, then apply exactly what was checked: the guarded update shared by `slipway up` (prod)
and `slipway preview --up`.

The preview runs the policy pack and saves Pulumi's update plan into a temporary directory;
the guard reads that preview; the update applies that plan or nothing (tooling/plans.py).
Exit codes: 1 the preview failed (program error or mandatory policy), 3 the guard blocked,
4 the program would now do something other than the checked plan.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ..tooling import plans, previews, stacks
from ..tooling.plan import Plan
from .common import console, engine, stream

PLAN_DRIFT = 4


def checked_preview(name: str, project_dir: Path, policy: previews.PolicyPack | None,
                    plan_file: Path, json_output: bool) -> Plan:
    """The preview the guard and the policy pack judge; its update plan lands in plan_file."""
    return previews.plan(name, project_dir, policy, stream(json_output), plan_file=plan_file)


def apply_checked(name: str, project_dir: Path, policy: previews.PolicyPack | None,
                  plan_file: Path, json_output: bool) -> stacks.StackRun:
    """Apply exactly the checked plan; exit 4 (nothing applied by us) when it no longer holds."""
    try:
        return engine(plans.apply, json_output, name=name, project_dir=project_dir,
                      plan_file=plan_file, policy=policy)
    except plans.PlanDriftError as drift:
        sys.stderr.write(f"{drift}\n")
        console.print(f"[red]slipway: {name}: refused, the update differs from the checked "
                      "plan[/red]")
        raise typer.Exit(code=PLAN_DRIFT) from None
