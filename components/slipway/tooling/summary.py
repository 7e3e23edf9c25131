"""A plan as Markdown for a pull-request comment: per service what changes, replacements called
out loudly, every policy finding. Pure: Plan (+ guard verdict) in, text out."""

from __future__ import annotations

from .guard import GUARDED_TYPES, Verdict
from .plan import STACK_SCOPE, Plan, Step

MARKER = "<!-- slipway-preview:{stack} -->"
"""First line of every summary: lets the workflow find and update its own comment."""
MAX_CHARS = 60_000
"""GitHub refuses comments over 65,536 characters; keep room for the truncation note."""
_VERB = {"create": "create", "update": "update", "replace": "**REPLACE**", "delete": "delete"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _step_line(step: Step) -> str:
    cause = f" (forced by `{'`, `'.join(step.keys)}`)" if step.keys else ""
    if step.unhealthy and not step.changes:
        # Nothing of it changes: the engine only waits for it again. Say why, or a reviewer
        # hunts for a diff that is not there.
        cause = f" (no changes: unhealthy when read: {'; '.join(step.unhealthy)})"
    return f"- {_VERB[step.op]} {step.kind} `{step.name}`{cause}"


def _replacement_warning(plan: Plan) -> list[str]:
    replaced = sorted((s for s in plan.steps if s.op == "replace"),
                      key=lambda s: (s.service, s.urn))
    disruptive = [s for s in replaced if s.type in GUARDED_TYPES]
    other = [s for s in replaced if s.type not in GUARDED_TYPES]
    if not disruptive and not other:
        return []
    lines = ["> [!WARNING]"]
    if disruptive:
        lines.append(f"> **{len(disruptive)} replacement(s) that disrupt running services:**")
        lines += [f"> - {s.service}: {s.kind} `{s.name}`: {GUARDED_TYPES[s.type]}"
                  for s in disruptive]
    if other:
        if disruptive:
            lines.append(">")
        lines.append(f"> **{len(other)} other replacement(s)** (deleted and created again):")
        lines += [f"> - {s.service}: {s.kind} `{s.name}`" for s in other]
    return [*lines, ""]


def render(plan: Plan, title: str | None = None, verdict: Verdict | None = None) -> str:
    """The Markdown summary of one plan."""
    counts = plan.counts()
    head = ", ".join(f"{n} to {op}" for op, n in counts.items()) or "no changes"
    lines = [MARKER.format(stack=plan.stack), f"### {title or f'Preview of `{plan.stack}`'}", "",
             f"**{head}**; {plan.unchanged} unchanged.", ""]
    if plan.failed or plan.errors:
        lines += ["> [!CAUTION]", "> **The preview failed.** Nothing can be deployed until this "
                  "is fixed:"]
        lines += [f"> - {e}" for e in plan.errors] or [
            "> - a mandatory policy was violated (see below)"]
        lines.append("")
    lines += _replacement_warning(plan)
    if verdict is not None and verdict.disruptions:
        state = "approved" if verdict.approved else "BLOCKED until approved"
        lines += [f"**Prod guard: {state}.**", ""]
    for service, steps in plan.by_service().items():
        label = "Stack-level resources" if service == STACK_SCOPE else f"`{service}`"
        lines += [f"#### {label}", *(_step_line(s) for s in steps), ""]
    if plan.policy_pack is None:
        lines += ["#### Policies", "Not checked: no policy pack ran for this preview.", ""]
    elif not plan.violations:
        lines += ["#### Policies", f"No violations ({plan.policy_pack}).", ""]
    else:
        lines += [f"#### Policy violations ({len(plan.violations)})", "",
                  "| Level | Rule | Resource | Service | Message |", "|---|---|---|---|---|"]
        ordered = sorted(plan.violations, key=lambda v: (v.level != "mandatory", v.rule,
                                                          v.resource))
        lines += [f"| {v.level} | `{v.rule}` | {_cell(v.resource)} | {_cell(v.service)} | "
                  f"{_cell(v.message)} |" for v in ordered]
        lines += ["", f"Checked by {plan.policy_pack}.", ""]
    text = "\n".join(lines).rstrip() + "\n"
    if len(text) > MAX_CHARS:
        # Cut at a line boundary; the head (failures, replacements) is what matters most.
        cut = text.rfind("\n", 0, MAX_CHARS)
        text = (text[:cut] + f"\n\n_Truncated: {len(text) - cut} more characters; run "
                f"`slipway preview` for the full plan._\n")
    return text
