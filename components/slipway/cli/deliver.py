"""`slipway deliver`: ship every service whose file's version differs from what runs.

    slipway deliver --stack dev --prometheus-url http://prometheus.monitoring:9090 \
        --commit "$GITHUB_SHA" --summary deliver.md

Each service's strategy runs to the end, every step judged against its SLO in Prometheus
(tooling/delivery.py has the rules). Exit codes: 0 everything delivered (or nothing to do),
1 a release was rolled back, refused by its stage, or the engine failed, 3 something held
(too little data, Prometheus down, a freeze window, waiting for a callee): run it again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pulumi import automation as auto

from ..spec.errors import SpecError
from ..tooling import delivery, guard, previews
from ..tooling.deliver_run import DeliverError, DeliverOptions
from ..tooling.deliver_run import deliver as run_delivery
from ..tooling.prometheus import Prometheus
from ..tooling.releases import ReleaseError, StepFailedError
from .common import JsonOption, ProjectOption, StackOption, console, stream
from .previews import NoPolicyOption, PolicyConfigOption, PolicyPackOption, resolve_policy


def deliver(  # noqa: PLR0917 (typer reads options from the signature)
    stack: StackOption = "dev",
    auto_gates: Annotated[bool, typer.Option(
        "--auto", help="Accepted for symmetry with `slipway release --auto`: deliver always "
        "judges every step in Prometheus.")] = True,
    prometheus_url: Annotated[str, typer.Option(
        "--prometheus-url", help="Prometheus the gates ask.")] = "http://127.0.0.1:9090",
    commit: Annotated[str | None, typer.Option(
        "--commit", help="The commit being delivered (recorded in each step's update message, "
        "shown by `slipway catalog` and `slipway dora`).")] = None,
    parallel: Annotated[int | None, typer.Option(
        "--parallel", min=1, help="Independent services released together. Default: "
        "slipway:delivery.parallel (4).")] = None,
    bake: Annotated[float | None, typer.Option(
        "--bake", min=0, help="Seconds each step bakes before it is judged. Default: each "
        "service's release.bakeSeconds.")] = None,
    window: Annotated[str | None, typer.Option(
        "--window", help="Prometheus range a gate is judged over, e.g. 5m. Default: the bake "
        "time.")] = None,
    lock_timeout: Annotated[float | None, typer.Option(
        "--lock-timeout", min=0, help="Seconds to wait for a stack another update holds. "
        "Default: slipway:delivery.lockTimeout (5m).")] = None,
    summary: Annotated[Path | None, typer.Option(
        "--summary", help="Append the Markdown summary here (e.g. $GITHUB_STEP_SUMMARY).")] = None,
    policy_pack: PolicyPackOption = None, policy_config: PolicyConfigOption = None,
    no_policy: NoPolicyOption = False,
    json_output: JsonOption = False, project_dir: ProjectOption = Path("."),
) -> None:
    """Deliver every changed service to the end of its strategy, judged by its SLO."""
    del auto_gates  # always on; kept so pipelines may spell it out
    environment = previews.stack_environment(project_dir, stack)
    pack = None
    if environment in guard.GUARDED_ENVIRONMENTS or policy_pack or policy_config:
        pack = resolve_policy(project_dir, environment, policy_pack, policy_config, no_policy)
    say = None if json_output else (lambda line: console.print(line, highlight=False))
    if commit is not None and not delivery.COMMIT_PATTERN.match(commit):
        console.print(f"[red]slipway deliver:[/red] --commit must be a git commit, 7 to 40 "
                      f"lowercase hex characters (got {commit!r})")
        raise typer.Exit(code=2)
    options = DeliverOptions(stack=stack, project_dir=project_dir,
                             prometheus=Prometheus(prometheus_url), commit=commit,
                             parallel=parallel, bake_seconds=bake, window=window,
                             lock_timeout=lock_timeout, on_output=stream(json_output),
                             policy=(str(pack.path), str(pack.config)) if pack else None)
    if say is not None:
        options.say = say
    try:
        reports = run_delivery(options)
    except (SpecError, ReleaseError, DeliverError) as err:
        console.print(f"[red]slipway deliver:[/red] {err}", highlight=False)
        raise typer.Exit(code=1) from None
    except StepFailedError as failed:
        console.print(f"[red]slipway deliver:[/red] {failed}; run `slipway deliver` again to "
                      "resume", highlight=False)
        raise typer.Exit(code=1) from None
    except auto.errors.CommandError as err:
        last = str(err).strip().splitlines()[-1:] or [type(err).__name__]
        console.print(f"[red]slipway deliver: the Pulumi engine failed[/red]: {last[0]}; "
                      "the recorded progress is what the last successful step left: run "
                      "`slipway deliver` again to resume", highlight=False)
        raise typer.Exit(code=1) from None
    text = delivery.markdown(stack, reports, commit)
    if summary is not None:
        with summary.open("a") as handle:
            handle.write(text)
    code = delivery.exit_code(reports)
    if json_output:
        print(json.dumps({"stack": stack, "exitCode": code, "services": [
            {"service": r.service, "strategy": r.strategy, "from": r.from_version,
             "to": r.to_version, "result": r.result, "reason": r.reason, "steps": r.steps,
             "gates": [g.model_dump(mode="json", by_alias=True) for g in r.gates]}
            for r in reports]}))
    else:
        console.print(text, highlight=False, markup=False)
    raise typer.Exit(code=code)
