"""`slipway preview` (any stack, or a pull request's review stack) and `slipway previews gc`.

    slipway preview --pr 42 --markdown summary.md     # pr-42 derived from dev, policy-checked
    slipway preview --pr 42 --up                      # ... and deploy (render) the review stack
    slipway preview --pr 42 --destroy                 # remove the stack, its file, its manifests
    slipway preview --stack prod                      # prod: the disruption guard applies
    slipway previews gc --older-than 7d               # destroy expired review stacks

Exit codes: 0 done, 1 the engine refused (program error or mandatory policy), 2 bad usage,
3 the prod guard blocked a disruptive change (approve with --approve-disruption or
SLIPWAY_APPROVE_DISRUPTION=true after review), 4 (--up) the update would no longer do what the
preview checked, so nothing was applied.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from ..tooling import guard, plans, pr_effect, previews, summary
from ..tooling.durations import parse_duration
from ..tooling.plan import Plan
from .common import JsonOption, ProjectOption, console, stack_environment, stream
from .planned import apply_checked

GUARD_BLOCKED = 3

app = typer.Typer(help="Pull-request review stacks.", no_args_is_help=True)

PolicyPackOption = Annotated[Path | None, typer.Option(
    "--policy-pack", help="CrossGuard pack directory. Default <project>/policy.")]
PolicyConfigOption = Annotated[Path | None, typer.Option(
    "--policy-config",
    help="Pack config. Default <pack>/config/prod.json for prod, else dev.json.")]
NoPolicyOption = Annotated[bool, typer.Option(
    "--no-policy", help="Run without the policy pack (refused for prod).")]
RefreshOption = Annotated[bool, typer.Option(
    "--refresh", help="Read every resource from the cluster first: changes made behind "
    "Slipway's back (drift) show up in the plan, and `up --refresh` repairs them.")]
ApproveOption = Annotated[bool, typer.Option(
    "--approve-disruption",
    help=f"Allow replacing/deleting Deployments, PDBs, NetworkPolicies or the Namespace in "
         f"prod (after review). Same as {guard.APPROVAL_ENV}=true.")]


def fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[red]slipway:[/red] {message}", markup=True, highlight=False)
    return typer.Exit(code=code)


def resolve_policy(project_dir: Path, environment: str | None, pack: Path | None,
                   config: Path | None, no_policy: bool) -> previews.PolicyPack | None:
    """The pack to run: explicit, or the project's; prod never runs without one."""
    prod = environment in guard.GUARDED_ENVIRONMENTS
    if no_policy:
        if prod:
            raise fail("the policy pack is mandatory for prod; drop --no-policy")
        return None
    path = (pack or project_dir / "policy").resolve()
    if not (path / "PulumiPolicy.yaml").exists():
        if pack is not None or prod:
            raise fail(f"no policy pack at {path} (PulumiPolicy.yaml missing); "
                       "pass --policy-pack DIR")
        console.print(f"slipway: no policy pack at {path}: previewing without policies",
                      highlight=False)
        return None
    config_path = (config or path / "config" / f"{'prod' if prod else 'dev'}.json").resolve()
    if not config_path.exists():
        raise fail(f"no policy config at {config_path}; pass --policy-config FILE")
    return previews.PolicyPack(path=path, config=config_path)


def check_guard(plan: Plan, environment: str | None, approve: bool) -> guard.Verdict:
    verdict = guard.check(plan, environment or "", approve or guard.approved_by_env())
    if verdict.disruptions:
        sys.stderr.write(verdict.message() + "\n")
    return verdict


def changes_of(plan: Plan) -> dict[str, int]:
    """Operation counts in the shape `slipway up` reports them."""
    counts = {**plan.counts(), "same": plan.unchanged}
    return {op: n for op, n in counts.items() if n}


def _emit(json_output: bool, document: dict[str, Any], human: str) -> None:
    if json_output:
        print(json.dumps(document))
    else:
        console.print(human, highlight=False)


def preview(
    *,
    stack: Annotated[str | None, typer.Option(
        "--stack", "-s", help="Stack to preview: dev, prod or pr-N. Default dev.")] = None,
    pr: Annotated[int | None, typer.Option(
        "--pr", help="Pull request number: preview its review stack pr-N.")] = None,
    base: Annotated[str, typer.Option(
        "--base", help="Stack the review stack's settings are derived from.")] = "dev",
    up: Annotated[bool, typer.Option("--up", help="Then deploy the review stack.")] = False,
    destroy: Annotated[bool, typer.Option(
        "--destroy", help="Destroy the review stack and remove its files instead.")] = False,
    markdown: Annotated[Path | None, typer.Option(
        "--markdown", help="Write a Markdown summary (for a PR comment) here.")] = None,
    ttl: Annotated[str | None, typer.Option(
        "--ttl", help="Review stack lifetime from now, e.g. 7d (default 7d when created; "
        "kept on later runs unless given).")] = None,
    policy_pack: PolicyPackOption = None,
    policy_config: PolicyConfigOption = None,
    no_policy: NoPolicyOption = False,
    approve_disruption: ApproveOption = False,
    long_lived: Annotated[str, typer.Option(
        "--long-lived", help="With --pr: the stacks whose effect leads the summary (per "
        "service the version change and how it will be delivered, replacements, violations); "
        "comma-separated, empty for none.")] = "dev,prod",
    refresh: RefreshOption = False,
    json_output: JsonOption = False,
    project_dir: ProjectOption = Path("."),
) -> None:
    """Show what an `up` would change, checked by the policy pack (and, in prod, the guard)."""
    if pr is not None and stack is not None:
        raise fail("give --pr N (the review stack pr-N) or --stack, not both")
    if (up or destroy) and pr is None:
        raise fail("--up and --destroy work on review stacks: give --pr N")
    if up and destroy:
        raise fail("give --up or --destroy, not both")
    try:
        name = previews.stack_name(pr) if pr is not None else (stack or "dev")
        lifetime = parse_duration(ttl, "--ttl") if ttl is not None else None
    except ValueError as err:
        raise fail(str(err)) from None
    if destroy:
        removal = previews.destroy_review_stack(project_dir, name, stream(json_output))
        _emit(json_output, {"stack": name, "destroyed": removal.existed,
                            "changes": removal.changes, "removed": list(removal.removed_files)},
              f"{name}: " + ("destroyed" if removal.existed else "no such stack")
              + f"; removed {', '.join(removal.removed_files) or 'no files'}")
        return
    if pr is not None:
        try:
            previews.ensure_review_stack(project_dir, pr, base=base, ttl=lifetime)
        except ValueError as err:
            raise fail(str(err)) from None
    environment = stack_environment(project_dir, name)
    policy = resolve_policy(project_dir, environment, policy_pack, policy_config, no_policy)
    # With --up, the update applies exactly the plan this preview checked (cli/planned.py).
    with plans.plan_directory() as directory:
        plan_file = directory / plans.PLAN_FILE if up else None
        plan = previews.plan(name, project_dir, policy, stream(json_output),
                             plan_file=plan_file, refresh=refresh)
        verdict = check_guard(plan, environment, approve_disruption)
        title = (f"Preview of pull request #{pr} (`{name}`, from `{base}`)" if pr is not None
                 else None)
        if markdown is not None:
            text = summary.render(plan, title=title, verdict=verdict)
            if pr is not None:
                effects = _effects(project_dir, long_lived, json_output)
                counts = ", ".join(f"{n} {op}" for op, n in changes_of(plan).items())
                head = (f"Review stack <code>{name}</code>: "
                        f"{'preview failed' if plan.failed else counts or 'no changes'}")
                text = pr_effect.render(effects, pr, text, head)
            markdown.write_text(text)
        document: dict[str, Any] = {
            "stack": name, "environment": environment, "changes": changes_of(plan),
            "plan": plan.to_json(), "markdown": str(markdown) if markdown else None,
            "guard": {"blocked": verdict.blocked, "approved": verdict.approved,
                      "disruptions": [d.describe() for d in verdict.disruptions]},
        }
        violations = len(plan.violations)
        human = (f"{name}: preview {', '.join(f'{n} {op}' for op, n in changes_of(plan).items())}"
                 f"; {violations} policy violation{'s' if violations != 1 else ''}"
                 + (f"; summary in {markdown}" if markdown else ""))
        if plan.failed:
            _emit(json_output, document, f"[red]{human}: the preview failed[/red]")
            raise typer.Exit(code=1)
        if verdict.blocked:
            _emit(json_output, document, f"[red]{human}: blocked by the prod guard[/red]")
            raise typer.Exit(code=GUARD_BLOCKED)
        if plan_file is not None:
            run = apply_checked(name, project_dir, policy, plan_file, json_output)
            document["up"] = {"changes": run.changes, "renderDir": run.outputs.get("renderDir")}
            human += f"; up: {run.summary().split(': ', 1)[1]}"
        _emit(json_output, document, f"[green]{human}[/green]")


def _effects(project_dir: Path, stacks_option: str,
             json_output: bool) -> list[pr_effect.StackEffect]:
    """The PR's effect on each long-lived stack that has a stack file here."""
    found = []
    for name in [n.strip() for n in stacks_option.split(",") if n.strip()]:
        if not previews.config_file(project_dir, name).exists():
            continue
        if not previews.stack_exists(project_dir, name):
            # Never deployed from this backend: nothing runs there for the PR to change.
            found.append(pr_effect.StackEffect(name, error="not deployed yet (no such stack "
                                                           "in this backend)"))
            continue
        environment = previews.stack_environment(project_dir, name)
        try:
            policy = resolve_policy(project_dir, environment, None, None, False)
        except typer.Exit:
            policy = None
        found.append(pr_effect.effect(name, project_dir, policy, stream(json_output)))
    return found


@app.command()
def gc(
    older_than: Annotated[str | None, typer.Option(
        "--older-than", help="Also destroy review stacks created longer ago than this, "
        "e.g. 7d.")] = None,
    json_output: JsonOption = False,
    project_dir: ProjectOption = Path("."),
) -> None:
    """Destroy review stacks (pr-N) past their expiry; never touches any other stack."""
    try:
        age: timedelta | None = (parse_duration(older_than, "--older-than")
                                 if older_than is not None else None)
    except ValueError as err:
        raise fail(str(err)) from None
    decisions = previews.collect_garbage(project_dir, age, on_output=stream(json_output))
    destroyed = [d.stack for d in decisions if d.action == "destroyed"]
    kept = [d.stack for d in decisions if d.action == "kept"]
    _emit(json_output,
          {"destroyed": destroyed, "kept": kept,
           "decisions": [{"stack": d.stack, "action": d.action, "reason": d.reason}
                         for d in decisions]},
          f"[green]previews gc: destroyed {', '.join(destroyed) or 'nothing'}; "
          f"kept {', '.join(kept) or 'nothing'}[/green]")
