"""What a pull request will change where it runs: its effect on the long-lived stacks.

A reviewer's question is not "what does the throwaway review stack create" but "what happens to
dev and prod when this merges". Per long-lived stack: each service whose version the PR changes
(from what runs there, to what the file now asks for) and the strategy that will deliver it,
plus the replacements and policy violations of a preview of that stack with the PR's code.
`version_changes` and `render` are pure; `effect` reads the stack and previews it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..release_progress import reconcile
from ..release_state import ReleaseState
from ..spec.errors import SpecError
from ..spec.model import ServiceSpec
from . import previews, progress, releases, stacks
from .plan import Plan
from .summary import MARKER


@dataclass(frozen=True)
class VersionChange:
    service: str
    strategy: str
    from_version: str | None
    to_version: str
    how: str
    """How it will be delivered, in words."""


@dataclass
class StackEffect:
    stack: str
    versions: list[VersionChange] = field(default_factory=list)
    plan: Plan | None = None
    error: str | None = None


def _how(spec: ServiceSpec, change: str, gated_by: str | None) -> str:
    strategy = spec.release.strategy
    if change == "reverted":
        return "the release under way is rolled back"
    if change == "failed-before":
        return "not released: this version was rolled back before"
    if strategy == "canary":
        steps = ", ".join(f"{w}%" for w in spec.release.steps)
        how = f"canary {steps}, each step judged against the SLO"
    elif strategy == "blue-green":
        how = "blue-green: idle slot, flip, judged, finish"
    else:
        how = "rolling update, then judged against the SLO"
    if change == "superseded":
        how = f"supersedes the release under way; {how}"
    return how + (f" (after {gated_by} verified it)" if gated_by else "")


def version_changes(specs: Mapping[str, ServiceSpec], recorded: Mapping[str, ReleaseState],
                    gated_by: str | None = None) -> list[VersionChange]:
    """Every service whose file's version differs from what the stack runs (or is new)."""
    found = []
    for name, spec in sorted(specs.items()):
        state = recorded.get(name)
        reconciled = reconcile(spec, state)
        if reconciled.change in ("none", "in-flight"):
            continue
        stable = state.stable if state is not None else None
        if reconciled.change == "first":
            found.append(VersionChange(name, spec.release.strategy, None, spec.version,
                                       "new service, created at this version"))
            continue
        found.append(VersionChange(name, spec.release.strategy,
                                   stable.version if stable else None, spec.version,
                                   _how(spec, reconciled.change, gated_by)))
    return found


def effect(stack_name: str, project_dir: Path, policy: previews.PolicyPack | None,
           on_output: Callable[[str], None] | None = None) -> StackEffect:
    """The PR's effect on one long-lived stack (errors reported, never raised)."""
    result = StackEffect(stack_name)
    try:
        stack = stacks.stack(stack_name, project_dir)
        settings = releases.stack_settings(stack, stack_name)
        specs = releases.load_specs(project_dir, settings)
        recorded = progress.recorded(stack)
        result.versions = version_changes(specs, recorded.states, settings.delivery.after)
    except (SpecError, ValueError, RuntimeError) as err:
        result.error = str(err).strip().splitlines()[-1] if str(err).strip() else repr(err)
        return result
    result.plan = previews.plan(stack_name, project_dir, policy, on_output)
    return result


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(effects: Sequence[StackEffect], pr: int, review: str, review_head: str) -> str:
    """The PR comment: the effect on each long-lived stack first, then the review stack's own
    summary in a collapsed section."""
    lines = [MARKER.format(stack=f"pr-{pr}"), f"## What pull request #{pr} changes where it runs",
             ""]
    for found in effects:
        lines += [f"### `{found.stack}`", ""]
        if found.error is not None:
            lines += [f"`{found.stack}`: {found.error}", ""]
            continue
        if found.versions:
            lines += ["| service | version | delivered by |", "|---|---|---|"]
            lines += [f"| {v.service} | {v.from_version or 'new'} -> {v.to_version} | "
                      f"{_cell(v.how)} |" for v in found.versions]
        else:
            lines.append("No version changes.")
        lines.append("")
        plan = found.plan
        if plan is None:
            continue
        if plan.failed:
            errors = "; ".join(plan.errors) or "a mandatory policy was violated"
            lines += [f"> [!CAUTION]\n> The preview of `{found.stack}` failed: {_cell(errors)}",
                      ""]
        replaced = [s for s in plan.steps if s.op == "replace"]
        if replaced:
            lines.append(f"**{len(replaced)} replacement(s):** " + ", ".join(
                f"{s.service}: {s.kind} `{s.name}`" for s in replaced))
        counts = ", ".join(f"{n} to {op}" for op, n in plan.counts().items()) or "no changes"
        violations = len(plan.violations)
        lines.append(f"Preview: {counts}; {violations} policy violation"
                     f"{'s' if violations != 1 else ''}"
                     + (f" ({plan.policy_pack})" if plan.policy_pack else ""))
        for v in sorted(plan.violations, key=lambda v: (v.level != "mandatory", v.rule)):
            lines.append(f"- {v.level} `{v.rule}`: {_cell(v.resource)}: {_cell(v.message)}")
        lines.append("")
    body = review.split("\n", 1)[1] if review.startswith("<!--") else review
    lines += ["<details>", f"<summary>{review_head}</summary>", "", body.rstrip(), "",
              "</details>", ""]
    return "\n".join(lines)
