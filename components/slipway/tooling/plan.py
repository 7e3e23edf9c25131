"""What a preview would do, read from the engine's event stream: steps, policy findings, errors.

Pure data: `collect` turns `EngineEvent`s into a `Plan`; the Markdown summary (summary.py) and
the prod guard (guard.py) read the plan, never the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pulumi import automation as auto

MICROSERVICE_TYPE = "slipway:index:Microservice"
STACK_SCOPE = "(stack)"
"""Where resources outside every Microservice (namespace, provider) are listed."""

# The engine reports one replacement as several steps; a reader wants one line per resource.
_REPLACE_OPS = {"replace", "create-replacement", "delete-replaced"}
# Most disruptive first: that is the order a reviewer should read them in.
_SHOWN_OPS = ("replace", "delete", "create", "update")


def urn_type(urn: str) -> str:
    """`urn:pulumi:stack::project::parent$type::name` -> `type`."""
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


def urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def kind_of(resource_type: str) -> str:
    """`kubernetes:apps/v1:Deployment` -> `Deployment`."""
    return resource_type.rsplit(":", 1)[-1]


@dataclass(frozen=True)
class Step:
    """One resource the update would change."""

    op: str
    """create, update, replace or delete."""
    urn: str
    type: str
    service: str
    """The Microservice this resource belongs to, or STACK_SCOPE."""
    keys: tuple[str, ...] = ()
    """Properties that force the replacement (replace only)."""
    changes: tuple[str, ...] = ()
    """Properties the update or replacement changes, as the provider's diff names them."""
    unhealthy: tuple[str, ...] = ()
    """Why the refresh before this preview found the resource unhealthy (the provider's
    readiness checks). The engine then updates it to wait for it again, even with no changes."""

    @property
    def name(self) -> str:
        return urn_name(self.urn)

    @property
    def kind(self) -> str:
        return kind_of(self.type)

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "urn": self.urn, "type": self.type, "service": self.service,
                "keys": list(self.keys), "changes": list(self.changes),
                "unhealthy": list(self.unhealthy)}


@dataclass(frozen=True)
class Violation:
    """One policy finding."""

    rule: str
    level: str
    """advisory, mandatory or remediate, as the policy config set it."""
    message: str
    urn: str | None
    service: str

    @property
    def resource(self) -> str:
        if self.urn is None:
            return "the whole stack"
        return f"{kind_of(urn_type(self.urn))} {urn_name(self.urn)}"

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "level": self.level, "message": self.message,
                "urn": self.urn, "service": self.service}


@dataclass(frozen=True)
class Plan:
    """Everything a preview would do to one stack."""

    stack: str
    steps: tuple[Step, ...] = ()
    violations: tuple[Violation, ...] = ()
    errors: tuple[str, ...] = ()
    """Error diagnostics (a bad catalog, a provider failure): the preview did not complete."""
    unchanged: int = 0
    policy_pack: str | None = None
    """The pack and config that checked this plan; None when no pack ran."""
    failed: bool = False
    """The engine refused the preview (a mandatory violation or an error)."""

    def by_service(self) -> dict[str, list[Step]]:
        grouped: dict[str, list[Step]] = {}
        for step in sorted(self.steps, key=lambda s: (s.service == STACK_SCOPE, s.service,
                                                      _SHOWN_OPS.index(s.op), s.urn)):
            grouped.setdefault(step.service, []).append(step)
        return grouped

    def counts(self) -> dict[str, int]:
        counts = {op: 0 for op in _SHOWN_OPS}
        for step in self.steps:
            counts[step.op] += 1
        return {op: n for op, n in counts.items() if n}

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "failed": self.failed, "counts": self.counts(),
                "unchanged": self.unchanged, "policyPack": self.policy_pack,
                "steps": [s.to_json() for s in self.steps],
                "violations": [v.to_json() for v in self.violations],
                "errors": list(self.errors)}


def _parent(metadata: auto.events.StepEventMetadata) -> str | None:
    state = metadata.new or metadata.old
    return state.parent if state is not None and state.parent else None


def service_of(urn: str | None, parents: dict[str, str]) -> str:
    """The name of the Microservice `urn` lives under (itself included), else STACK_SCOPE."""
    seen = set()
    while urn and urn not in seen:
        seen.add(urn)
        if urn_type(urn) == MICROSERVICE_TYPE:
            return urn_name(urn)
        urn = parents.get(urn)
    return STACK_SCOPE


# The engine's warning when a refresh reads a resource its provider finds not ready
# (pkg/resource/deploy/step.go); the reasons follow as "* " lines.
_UNHEALTHY = "Refreshed resource is in an unhealthy state:"

_EXCEPTION_LINE = re.compile(r"^(?:[\w.]+\.)?(?P<cls>\w+(?:Error|Exception)): (?P<rest>.*)$")


def _one_line(message: str) -> str:
    return " ".join(line.strip() for line in message.strip().splitlines() if line.strip())


def _program_error(message: str) -> str:
    """A Python traceback shortened to its exception's message (what the user must fix)."""
    lines = message.strip().splitlines()
    if not any("Traceback (most recent call last)" in line for line in lines):
        return _one_line(message)
    for index in range(len(lines) - 1, -1, -1):
        match = _EXCEPTION_LINE.match(lines[index].strip())
        if match:
            tail = [match["rest"], *lines[index + 1:]]
            return _one_line("\n".join(tail))
    return _one_line(message)


def collect(stack: str, events: Iterable[auto.EngineEvent], policy_pack: str | None = None,
            failed: bool = False) -> Plan:
    """A Plan from one preview's (or update's) engine events."""
    ops: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    changes: dict[str, tuple[str, ...]] = {}
    unhealthy: dict[str, tuple[str, ...]] = {}
    parents: dict[str, str] = {}
    unchanged: set[str] = set()
    policy_events: list[auto.events.PolicyEvent] = []
    errors: list[str] = []
    for event in events:
        if event.resource_pre_event is not None:
            metadata = event.resource_pre_event.metadata
            op = str(getattr(metadata.op, "value", metadata.op))
            parent = _parent(metadata)
            if parent:
                parents[metadata.urn] = parent
            if op == "same":
                unchanged.add(metadata.urn)
            elif op in _REPLACE_OPS:
                previous = ops.get(metadata.urn)
                keys = tuple(metadata.keys or ()) or (previous[2] if previous else ())
                ops[metadata.urn] = ("replace", metadata.type, keys)
            elif op in _SHOWN_OPS and metadata.urn not in ops:
                ops[metadata.urn] = (op, metadata.type, ())
            changed = tuple(metadata.detailed_diff or ()) or tuple(metadata.diffs or ())
            if op != "same" and changed:
                changes[metadata.urn] = tuple(sorted({*changes.get(metadata.urn, ()), *changed}))
        elif event.policy_event is not None:
            policy_events.append(event.policy_event)
        elif (event.diagnostic_event is not None and event.diagnostic_event.urn
              and _UNHEALTHY in event.diagnostic_event.message):
            reasons = event.diagnostic_event.message.split(_UNHEALTHY, 1)[1]
            unhealthy[event.diagnostic_event.urn] = tuple(
                _one_line(r) for r in reasons.split("\n* ") if r.strip())
        elif event.diagnostic_event is not None and event.diagnostic_event.severity == "error":
            message = _program_error(event.diagnostic_event.message)
            if message and message not in errors:
                errors.append(message)
    steps = tuple(
        Step(op=op, urn=urn, type=rtype, service=service_of(urn, parents), keys=keys,
             changes=changes.get(urn, ()), unhealthy=unhealthy.get(urn, ()))
        for urn, (op, rtype, keys) in ops.items()
    )
    violations = tuple(
        Violation(rule=p.policy_name, level=p.enforcement_level, message=_one_line(p.message),
                  urn=p.resource_urn or None, service=service_of(p.resource_urn, parents))
        for p in policy_events
    )
    return Plan(stack=stack, steps=steps, violations=violations, errors=tuple(errors),
                unchanged=len(unchanged), policy_pack=policy_pack, failed=failed)
