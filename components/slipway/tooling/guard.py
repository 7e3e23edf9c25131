"""The prod guard: a plan that replaces or deletes what keeps services up needs a human's yes.

Replacing a Deployment recreates every pod at once (no rolling update); replacing a
PodDisruptionBudget or NetworkPolicy leaves a window with no budget or no isolation; replacing
or deleting the Namespace deletes everything in it. In the prod environment such a plan fails
unless it was approved after review: `--approve-disruption` on the command line, or
`SLIPWAY_APPROVE_DISRUPTION=true` in the environment (what the pipeline sets in its
approval-gated job). Other environments are never blocked.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .plan import Plan, Step

APPROVAL_ENV = "SLIPWAY_APPROVE_DISRUPTION"
GUARDED_ENVIRONMENTS = frozenset({"prod"})
# kind -> what replacing or deleting it does to running services.
GUARDED_TYPES = {
    "kubernetes:apps/v1:Deployment": "its pods are all recreated at once (downtime)",
    "kubernetes:policy/v1:PodDisruptionBudget":
        "pods lose their disruption budget while it is recreated",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy":
        "pods lose (or change) network isolation while it is recreated",
    "kubernetes:core/v1:Namespace": "everything in the namespace is deleted",
}
GUARDED_OPS = ("replace", "delete")
_TRUE = {"1", "true", "yes"}


@dataclass(frozen=True)
class Disruption:
    step: Step
    why: str

    def describe(self) -> str:
        cause = f" (forced by {', '.join(self.step.keys)})" if self.step.keys else ""
        return f"{self.step.op} {self.step.kind} {self.step.name}{cause}: {self.why}"


@dataclass(frozen=True)
class Verdict:
    environment: str
    disruptions: tuple[Disruption, ...]
    approved: bool

    @property
    def blocked(self) -> bool:
        return bool(self.disruptions) and not self.approved

    def message(self) -> str:
        if not self.disruptions:
            return f"guard: no disruptive change in {self.environment}"
        lines = [f"- {d.describe()}" for d in self.disruptions]
        if self.approved:
            return "\n".join([f"guard: {len(lines)} disruptive change(s) in "
                              f"{self.environment}, approved:", *lines])
        return "\n".join([
            f"guard: refusing {len(lines)} disruptive change(s) in {self.environment}:", *lines,
            f"Review the plan, then re-run with --approve-disruption (or {APPROVAL_ENV}=true).",
        ])


def approved_by_env(env: Mapping[str, str] | None = None) -> bool:
    value = (env if env is not None else os.environ).get(APPROVAL_ENV, "")
    return value.strip().lower() in _TRUE


def disruptions(plan: Plan) -> tuple[Disruption, ...]:
    return tuple(Disruption(step, GUARDED_TYPES[step.type]) for step in plan.steps
                 if step.op in GUARDED_OPS and step.type in GUARDED_TYPES)


def check(plan: Plan, environment: str, approved: bool) -> Verdict:
    """The guard's decision: only guarded environments can block; approval lifts the block."""
    found = disruptions(plan) if environment in GUARDED_ENVIRONMENTS else ()
    return Verdict(environment=environment, disruptions=found, approved=approved)
