"""`slipway release start|promote|rollback|status`: release a service step by step.

    slipway release start orders --version 1.9.0 --image registry.example.com/shop/orders@sha256:...
    slipway release promote orders          # canary: next step; blue-green: flip, then finish
    slipway release rollback orders         # canary: weight 0; blue-green: flip back
    slipway release status orders
    slipway release switch orders           # to the release.strategy its file now names
    slipway release start orders --version 1.9.0 --image ... --auto --prometheus-url http://prom:9090

Each step is one ordinary `up` whose update message is `slipway release <action> <service>
<version>`; it records the progress in the stack's `releases` output. A step the engine fails
is undone (the stack and the recorded progress put back as they were, tooling/releases.py).
In prod (where the guard runs) each step is previewed with the mandatory policy pack, saving
Pulumi's update plan, and the update applies exactly that plan (tooling/plans.py).
Exit codes: 0 done, 1 failed (engine error, refused step, or an SLO breach rolled back),
3 held (Prometheus could not judge the candidate: nothing promoted, nothing rolled back),
4 prod: the step would no longer do what its preview checked (nothing applied).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pulumi import automation as auto
from rich.markup import escape

from ..release_state import ReleaseRef
from ..spec.errors import SpecError
from ..spec.signature import ImageSignature
from ..tooling import guard, plans, releases
from ..tooling.prometheus import Prometheus
from .common import JsonOption, ProjectOption, StackOption, console, stream
from .planned import PLAN_DRIFT
from .previews import PolicyConfigOption, PolicyPackOption, resolve_policy

app = typer.Typer(help="Release a service step by step: canary weights or blue-green slots.",
                  no_args_is_help=True)

EXIT_HELD = 3
ServiceArg = Annotated[str, typer.Argument(help="Service name, as in services/<name>.yaml.")]
AutoOption = Annotated[bool, typer.Option(
    "--auto", help="Judge each step against the SLO in Prometheus, promote or roll back on a "
    "breach. Canary: every step's canary track. Blue-green: the idle slot through its preview "
    "Service before the flip (a breach: never flipped), then the flipped slot for the bake "
    "time (a breach: flipped back).")]
PrometheusOption = Annotated[str, typer.Option(
    "--prometheus-url", help="Prometheus for --auto.")]
BakeOption = Annotated[float | None, typer.Option(
    "--bake", help="Seconds each step bakes before it is judged. Default: the spec's "
    "release.bakeSeconds.")]
WindowOption = Annotated[str | None, typer.Option(
    "--window", help="Prometheus range each gate is judged over, e.g. 5m. Default: the bake "
    "time.")]


def _fail(message: str, json_output: bool, code: int = 1) -> typer.Exit:
    if json_output:
        print(json.dumps({"error": message}))
    # Escaped: engine and policy lines hold brackets (`[mandatory] rule: ...`) that are not
    # markup.
    console.print(f"[red]slipway release:[/red] {escape(message)}", markup=True,
                  highlight=False)
    return typer.Exit(code=code)


def _target(stack: str, project_dir: Path, service: str, json_output: bool,
            policy: tuple[Path | None, Path | None] = (None, None)) -> releases.ReleaseTarget:
    try:
        target = releases.target(stack, project_dir, service)
    except (releases.ReleaseError, SpecError) as err:
        raise _fail(str(err), json_output) from None
    if target.settings.environment in guard.GUARDED_ENVIRONMENTS:
        # As guarded `slipway up`: the policy pack (mandatory) checks each step's preview and
        # the update applies exactly that plan, or nothing (exit 4).
        pack = resolve_policy(project_dir, target.settings.environment, *policy, False)
        target.checked = releases.Checked(project_dir=project_dir, policy=pack)
    return target


def _apply(target: releases.ReleaseTarget, step: releases.Step,
           json_output: bool) -> dict[str, Any]:
    try:
        run = releases.apply(target, step, stream(json_output))
    except (releases.StepFailedError, releases.StepRefusedError) as failed:
        raise _fail(str(failed), json_output) from None
    except plans.PlanDriftError as drift:
        raise _fail(str(drift), json_output, code=PLAN_DRIFT) from None
    except auto.errors.CommandError as err:  # another update holds the stack: nothing ran
        raise _fail(f"`{step.message}` was not applied: {err}", json_output) from None
    if not json_output:
        console.print(f"[green]{step.message}[/green] ({run.summary()})", highlight=False)
    return {"message": step.message, "action": step.action, "changes": run.changes}


def _report(target: releases.ReleaseTarget, json_output: bool, extra: dict[str, Any]) -> None:
    if json_output:
        print(json.dumps({**releases.status(target), **extra}))


def _auto(target: releases.ReleaseTarget, json_output: bool, prometheus_url: str, *,
          bake: float | None, window: str | None, done: list[dict[str, Any]]) -> None:
    bake_seconds = bake if bake is not None else float(target.spec.release.bake_seconds)
    window = window if window is not None else f"{max(1, round(bake_seconds))}s"
    say = None if json_output else (lambda line: console.print(line, highlight=False))
    try:
        result = releases.run_auto(target, Prometheus(prometheus_url), bake_seconds=bake_seconds,
                                   window=window, on_output=stream(json_output), on_event=say)
    except (releases.ReleaseError, releases.StepFailedError, releases.StepRefusedError) as err:
        raise _fail(str(err), json_output) from None
    except plans.PlanDriftError as drift:
        raise _fail(str(drift), json_output, code=PLAN_DRIFT) from None
    except auto.errors.CommandError as err:
        raise _fail(f"the Pulumi engine failed during --auto: {err}", json_output) from None
    done += [{"message": message} for message in result.steps]
    extra = {"steps": done, "outcome": result.outcome, "health": result.health,
             "breaches": result.breaches, "reason": result.reason}
    _report(target, json_output, extra)
    if result.outcome == "rolled-back":
        if not json_output:
            console.print("[red]SLO breached, rolled back:[/red] " + "; ".join(result.breaches),
                          highlight=False)
        raise typer.Exit(code=1)
    if result.outcome == "held":
        if not json_output:
            console.print(f"[yellow]held, nothing promoted or rolled back:[/yellow] "
                          f"{result.reason}", highlight=False)
        raise typer.Exit(code=EXIT_HELD)


@app.command()
def start(service: ServiceArg, *,
          version: Annotated[str | None, typer.Option(
              "--version", help="Version being released. Default: the service file's.")] = None,
          image: Annotated[str | None, typer.Option(
              "--image", help="Image pinned by digest: registry/repo@sha256:<64 hex>. "
              "Default: the service file's.")] = None,
          signature_payload: Annotated[str | None, typer.Option(
              "--signature-payload", help="cosign Payload (base64) of the image.")] = None,
          signature: Annotated[str | None, typer.Option(
              "--signature", help="cosign Base64Signature of the image.")] = None,
          stack: StackOption = "dev", auto_steps: AutoOption = False,
          prometheus_url: PrometheusOption = "http://127.0.0.1:9090",
          bake: BakeOption = None, window: WindowOption = None,
          json_output: JsonOption = False, project_dir: ProjectOption = Path("."),
          policy_pack: PolicyPackOption = None, policy_config: PolicyConfigOption = None) -> None:
    """Start releasing VERSION: canary at the first step, blue-green in the idle slot.

    The service file is the desired version: release what it says (the default). A version
    the file does not name is a manual experiment that the next `slipway up` or `deliver`
    rolls back, since the file still asks for another one."""
    target = _target(stack, project_dir, service, json_output, (policy_pack, policy_config))
    if (version is None) != (image is None):
        raise _fail(f"{service}: give both --version and --image, or neither (the service "
                    "file's)", json_output)
    if version is None or image is None:
        version, image = target.spec.version, target.spec.image
        if signature_payload is None and target.spec.signature is not None:
            signature_payload = target.spec.signature.payload
            signature = target.spec.signature.base64_signature
    elif (version, image) != (target.spec.version, target.spec.image) and not json_output:
        console.print(f"[yellow]{service}: the service file asks for {target.spec.version}; "
                      f"the next `slipway up` or `deliver` rolls {version} back unless the "
                      "file is bumped too[/yellow]", highlight=False)
    try:
        signed = None
        if signature_payload is not None or signature is not None:
            signed = ImageSignature(payload=signature_payload or "",
                                    base64_signature=signature or "")
        candidate = ReleaseRef(version=version, image=image, signature=signed)
    except ValueError as err:
        raise _fail(f"{service}: --version/--image/--signature: {err}", json_output) from None
    try:
        step = releases.start(target.spec, target.state, candidate)
    except releases.ReleaseError as err:
        raise _fail(str(err), json_output) from None
    done = [_apply(target, step, json_output)]
    if auto_steps and step.action != "promote":
        _auto(target, json_output, prometheus_url, bake=bake, window=window, done=done)
        return
    _report(target, json_output, {"steps": done})


@app.command()
def promote(service: ServiceArg, *, stack: StackOption = "dev", auto_steps: AutoOption = False,
            prometheus_url: PrometheusOption = "http://127.0.0.1:9090",
            bake: BakeOption = None, window: WindowOption = None,
            json_output: JsonOption = False, project_dir: ProjectOption = Path("."),
            policy_pack: PolicyPackOption = None,
            policy_config: PolicyConfigOption = None) -> None:
    """Canary: next step, stable at 100. Blue-green: flip, then finish."""
    target = _target(stack, project_dir, service, json_output, (policy_pack, policy_config))
    if auto_steps:
        _auto(target, json_output, prometheus_url, bake=bake, window=window, done=[])
        return
    try:
        step = releases.promote(target.spec, target.state)
    except releases.ReleaseError as err:
        raise _fail(str(err), json_output) from None
    _report(target, json_output, {"steps": [_apply(target, step, json_output)]})


@app.command()
def rollback(service: ServiceArg, *, stack: StackOption = "dev", json_output: JsonOption = False,
             project_dir: ProjectOption = Path("."), policy_pack: PolicyPackOption = None,
             policy_config: PolicyConfigOption = None) -> None:
    """Canary: weight 0, candidate removed. Blue-green: flip back or drop the preview."""
    target = _target(stack, project_dir, service, json_output, (policy_pack, policy_config))
    try:
        step = releases.rollback(target.spec, target.state)
    except releases.ReleaseError as err:
        raise _fail(str(err), json_output) from None
    _report(target, json_output, {"steps": [_apply(target, step, json_output)]})


@app.command()
def switch(service: ServiceArg, stack: StackOption = "dev", json_output: JsonOption = False,
           project_dir: ProjectOption = Path(".")) -> None:
    """Move a running service to the release.strategy its file now names, never below its
    ready minimum: a bridge Deployment takes over and the old strategy's objects go, the new
    one's come up beside it, then the Services move onto them and the bridge goes (three
    updates). Run it again to finish a half-done switch."""
    target = _target(stack, project_dir, service, json_output)
    try:
        steps = releases.switch(target.spec, target.state,
                                target.recorded.running.get(service))
    except releases.ReleaseError as err:
        raise _fail(str(err), json_output) from None
    done = [_apply(target, step, json_output) for step in steps]
    _report(target, json_output, {"steps": done})


@app.command()
def status(service: ServiceArg, stack: StackOption = "dev", json_output: JsonOption = False,
           project_dir: ProjectOption = Path(".")) -> None:
    """Stable version (and its source), candidate, weight or live slot, what is deployed."""
    target = _target(stack, project_dir, service, json_output)
    result = releases.status(target)
    if json_output:
        print(json.dumps(result))
        return
    stable = result["stable"]
    line = (f"{service} ({result['strategy']}): stable {stable['version']} "
            f"(from the {stable['source']})")
    if result["candidate"]:
        line += f", candidate {result['candidate']['version']} at {result['weight']}%"
    if "live" in result:
        line += f", live slot {result['live']}"
    console.print(line, highlight=False)
