"""`slipway up|destroy`: one stack operation with the real engine (`preview` is in previews.py)."""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from ..tooling import api_watch, guard, plans, previews, recovery, releases, stacks
from .common import (
    JsonOption,
    ProjectOption,
    StackOption,
    console,
    engine,
    report,
    stack_settings,
)
from .planned import apply_checked, checked_preview
from .previews import (
    GUARD_BLOCKED,
    ApproveOption,
    NoPolicyOption,
    PolicyConfigOption,
    PolicyPackOption,
    RefreshOption,
    check_guard,
    resolve_policy,
)


def up(*, stack: StackOption = "dev", json_output: JsonOption = False,
       project_dir: ProjectOption = Path("."),
       policy_pack: PolicyPackOption = None, policy_config: PolicyConfigOption = None,
       no_policy: NoPolicyOption = False, approve_disruption: ApproveOption = False,
       refresh: RefreshOption = False) -> None:
    """Deploy (or render) a stack with the real engine, then print a one-line summary.

    A service whose file asks for another version than runs: rolling rolls it out; canary and
    blue-green start the release at its first step (`slipway deliver` carries it to the end).
    The summary says which.

    Deploying to a cluster, the provider waits for what it creates (Deployments available,
    migration Jobs complete), so the summary says the services are ready and how long it took.

    prod: the policy pack is mandatory and a plan that replaces or deletes a Deployment, PDB,
    NetworkPolicy or Namespace is refused (exit 3) unless approved; the update applies exactly
    the checked plan, or nothing (exit 4).
    """
    settings = stack_settings(project_dir, stack)
    environment = settings.environment if settings else None
    policy = None
    if environment in guard.GUARDED_ENVIRONMENTS or policy_pack or policy_config:
        policy = resolve_policy(project_dir, environment, policy_pack, policy_config, no_policy)
    guarded = environment in guard.GUARDED_ENVIRONMENTS
    # The stack and its recorded progress are read once and handed to the update (each read
    # is a `pulumi` process); what an interrupted update left is resolved meanwhile.
    selected, recorded = stacks.stack_and_progress(stack, project_dir)
    recovering = None if guarded else recovery.start(selected, stack)
    # Said before the run: a version change is never applied silently (or ignored).
    changes = releases.version_changes(stack, project_dir, recorded)
    started = time.monotonic()
    context = previews.stack_kube_context(settings) if settings else None
    if guarded:
        # Only the checked plan is applied (cli/planned.py); it lives in a temporary directory.
        with plans.plan_directory() as directory:
            plan_file = directory / plans.PLAN_FILE
            plan = checked_preview(stack, project_dir, policy, plan_file, json_output)
            if plan.failed:
                for line in [*plan.errors, *(f"[{v.level}] {v.rule}: {v.resource}"
                                             for v in plan.violations)]:
                    sys.stderr.write(f"{line}\n")
                console.print("[red]slipway: the prod preview failed; nothing was applied[/red]")
                raise typer.Exit(code=1)
            if check_guard(plan, environment, approve_disruption).blocked:
                raise typer.Exit(code=GUARD_BLOCKED)
            run = apply_checked(stack, project_dir, policy, plan_file, json_output)
    else:
        server = (api_watch.server_of(previews.stack_kubeconfig(project_dir, settings), context)
                  if settings and context else None)
        watch = api_watch.ApiServerWatch(server) if context and server else None
        try:
            with watch or contextlib.nullcontext():
                run = engine(previews.deploy, json_output, name=stack, project_dir=project_dir,
                             policy=policy, refresh=refresh, selected=selected,
                             recorded=recorded, recovering=recovering)
        except typer.Exit:
            if watch is not None and watch.fired:
                console.print(f"[red]{watch.message(context)}[/red]", highlight=False)
            raise
    seconds = time.monotonic() - started
    render_dir = run.outputs.get("renderDir")
    files = stacks.rendered_files(project_dir / render_dir) if render_dir else []
    services = sorted(run.outputs.get("services", {}))
    if render_dir:
        where = f"; {len(files)} manifests in {render_dir}/"
    else:
        where = f" ready in {seconds:.0f} s" + (f" on cluster {context}" if context else "")
    report(run, json_output,
           {"renderDir": render_dir, "manifests": len(files), "services": services,
            "versionChanges": changes, "context": context, "seconds": round(seconds, 1)},
           f" ({len(services)} services{where})")
    if not json_output:
        for line in changes:
            console.print(f"  {line}", highlight=False, markup=False)


def destroy(stack: StackOption = "dev", remove: Annotated[bool, typer.Option(
        "--remove", help="Also delete the stack and its history.")] = False,
            json_output: JsonOption = False,
            project_dir: ProjectOption = Path(".")) -> None:
    """Delete everything a stack created (rendered files included)."""
    run = engine(stacks.destroy, json_output, name=stack, project_dir=project_dir,
                 remove=remove)
    report(run, json_output, {"removed": remove})
