"""Release strategies: which Deployments and Services a service runs, and where traffic goes.

Pure: from the spec (strategy, steps) and the release state (stable, candidate, weight, live
slot) to a plan of plain data the Microservice turns into resources.

- rolling: one Deployment `<name>` and the Service `<name>`.
- canary: the stable Deployment `<name>` (pods labelled `slipway.dev/track: stable`) and, while
  the candidate takes 1-99% of traffic, a canary Deployment `<name>-canary` (`track: canary`).
  The Service `<name>` selects both tracks (the host callers use, and the route's parent);
  `<name>-stable` and `<name>-canary` select one track each and are the route's weighted
  backends. At weight 0 there are no canary pods and no canary backend; at 100 the candidate
  runs as the stable track and nothing canary is left.
- blue-green: slot Deployments `<name>-blue` and `<name>-green` (`slipway.dev/slot`). The
  Service `<name>` selects the live slot; while a candidate is in the other slot, the Service
  `<name>-preview` selects it. Flipping is a change of selector only, so flipping back is
  instant while both slots run.
- a strategy switch in progress (release state `switch`, `slipway release switch`), three
  updates in which no Deployment ever changes its (immutable) selector, so none is replaced:
  `bridge`: only the bridge Deployment `<name>-bridge` (`track: bridge`, the stable version, a
  fixed `scaling.min` pods) behind the Service `<name>`, which selects every server pod; the
  old strategy's objects are deleted at the end of that update, once the bridge is ready.
  `land`: the new strategy's Deployments come up beside the bridge; the Service `<name>` still
  selects every server pod and the route sends everything to it, so the bridge keeps serving
  while the new pods (and their autoscaler) come up. The last update renders the new strategy
  as usual: its Deployments are awaited at their full count before the Services narrow onto
  them, and the bridge goes at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import labels
from .release_state import ReleaseRef, ReleaseState, Slot, other_slot
from .spec.service import ServiceSpec

STABLE = "stable"
CANARY = "canary"
BRIDGE = "bridge"


@dataclass(frozen=True)
class WorkloadPlan:
    """One Deployment of a service."""

    key: str
    """How the component names its children: "" (the main one), "canary", "blue" or "green"."""
    name: str
    """Kubernetes name: `<service>`, `<service>-canary`, `<service>-blue`, `<service>-green`."""
    release: ReleaseRef
    """Version and image it runs."""
    pod_labels: dict[str, str] = field(default_factory=dict)
    """Labels added to the server labels (track or slot); also in its selector."""
    replicas: int | None = None
    """Fixed replicas; None: the spec's scaling decides (an autoscaler, or scaling.min)."""
    primary: bool = True
    """The workload that carries the service's main traffic (rolling, stable, live slot)."""

    @property
    def autoscaled(self) -> bool:
        return self.replicas is None


@dataclass(frozen=True)
class ServicePlan:
    """One Kubernetes Service of a service."""

    key: str
    """"" for the main Service `<name>`, else "stable", "canary" or "preview"."""
    name: str
    pod_labels: dict[str, str] = field(default_factory=dict)
    """Labels added to the server selector (track or slot)."""


@dataclass(frozen=True)
class ReleasePlan:
    workloads: list[WorkloadPlan]
    services: list[ServicePlan]
    backends: list[tuple[str, int]]
    """(Service name, weight) the route sends traffic to; weights add up to 100."""
    split: bool
    """True for canary: traffic is split by a route even inside the cluster."""
    stable: ReleaseRef
    """The stable version: the version label of everything not tied to one workload (it
    changes when a release completes, not at each step or flip)."""
    landing: bool = False
    """A switch's `land` update: the new strategy's Deployments are new beside the bridge."""

    @property
    def primary(self) -> WorkloadPlan:
        return next(w for w in self.workloads if w.primary)



def spec_release(spec: ServiceSpec) -> ReleaseRef:
    """The service file's own version: what runs before the tool has written a release."""
    return ReleaseRef(version=spec.version, image=spec.image, signature=spec.signature)


def stable_release(spec: ServiceSpec, state: ReleaseState | None) -> ReleaseRef:
    """The release state's stable version wins over the service file's."""
    if state is not None and state.stable is not None:
        return state.stable
    return spec_release(spec)


def newest_release(spec: ServiceSpec, state: ReleaseState | None) -> ReleaseRef:
    """The version about to take (or taking) traffic: the one a migration must serve."""
    if state is not None and state.candidate is not None:
        return state.candidate
    return stable_release(spec, state)


def check_state(spec: ServiceSpec, state: ReleaseState | None) -> list[str]:
    """What is inconsistent between the strategy and the release state (empty: nothing)."""
    if state is None:
        return []
    strategy = spec.release.strategy
    problems = []
    if state.switch is not None:
        if state.candidate is not None or state.weight is not None or state.live is not None:
            problems.append(f"switch: {state.switch}: a strategy switch runs the stable version "
                            "only; no candidate, weight or live slot goes with it")
        return problems
    if strategy == "rolling" and (state.candidate is not None or state.weight is not None
                                  or state.live is not None):
        problems.append(
            "release strategy is rolling, which has no candidate, weight or live slot; "
            f"switch to rolling with `slipway release switch {spec.name}` (it clears them "
            "without dropping pods) or set release.strategy back"
        )
    if strategy == "canary" and state.live is not None:
        problems.append(f"live: {state.live} is for blue-green; strategy is canary")
    if strategy == "blue-green" and state.weight not in (None, 0, 100):
        problems.append(
            f"weight: {state.weight} is not a blue-green state (0: candidate in preview, "
            "100: traffic flipped to it)"
        )
    if state.weight is not None and state.candidate is None and state.weight != 0:
        problems.append(f"weight: {state.weight} but no candidate to send it to")
    return problems


def plan(spec: ServiceSpec, state: ReleaseState | None) -> ReleasePlan:
    strategy = spec.release.strategy
    stable = stable_release(spec, state)
    if state is not None and state.switch == "bridge":
        return ReleasePlan(workloads=[_bridge(spec, stable)], services=[ServicePlan("", spec.name)],
                           backends=[(spec.name, 100)], split=False, stable=stable)
    if strategy == "canary":
        planned = _canary(spec, stable, state)
    elif strategy == "blue-green":
        planned = _blue_green(spec, stable, state)
    else:
        planned = ReleasePlan(
            workloads=[WorkloadPlan("", spec.name, stable)],
            services=[ServicePlan("", spec.name)],
            backends=[(spec.name, 100)],
            split=False,
            stable=stable,
        )
    if state is not None and state.switch == "land":
        return _landing(spec, planned)
    return planned


def _bridge(spec: ServiceSpec, stable: ReleaseRef, *, primary: bool = True) -> WorkloadPlan:
    """The stable version at a fixed `scaling.min` pods (no autoscaler): ready at the minimum
    before anything old goes."""
    return WorkloadPlan(BRIDGE, f"{spec.name}-{BRIDGE}", stable, {labels.TRACK: BRIDGE},
                        replicas=spec.scaling.min, primary=primary)


def _landing(spec: ServiceSpec, planned: ReleasePlan) -> ReleasePlan:
    """The new strategy's Deployments beside the bridge; the Service `<name>` keeps selecting
    every server pod and takes all the traffic, until the next update narrows it."""
    services = [ServicePlan("", spec.name) if service.key == "" else service
                for service in planned.services]
    return ReleasePlan(workloads=[*planned.workloads, _bridge(spec, planned.stable,
                                                              primary=False)],
                       services=services, backends=[(spec.name, 100)], split=False,
                       stable=planned.stable, landing=True)


def _canary(spec: ServiceSpec, stable: ReleaseRef, state: ReleaseState | None) -> ReleasePlan:
    weight = state.candidate_weight if state is not None else 0
    candidate = state.candidate if state is not None else None
    if candidate is not None and weight >= 100:
        # All traffic on the candidate: it is the stable track now, nothing canary dangles.
        stable, candidate, weight = candidate, None, 0
    stable_name = f"{spec.name}-{STABLE}"
    workloads = [WorkloadPlan("", spec.name, stable, {labels.TRACK: STABLE})]
    services = [ServicePlan("", spec.name), ServicePlan(STABLE, stable_name,
                                                        {labels.TRACK: STABLE})]
    backends = [(stable_name, 100)]
    if candidate is not None and weight > 0:
        canary_name = f"{spec.name}-{CANARY}"
        workloads.append(WorkloadPlan(CANARY, canary_name, candidate, {labels.TRACK: CANARY},
                                      replicas=spec.release.canary_replicas, primary=False))
        services.append(ServicePlan(CANARY, canary_name, {labels.TRACK: CANARY}))
        backends = [(stable_name, 100 - weight), (canary_name, weight)]
    return ReleasePlan(workloads, services, backends, split=True, stable=stable)


def _blue_green(spec: ServiceSpec, stable: ReleaseRef,
                state: ReleaseState | None) -> ReleasePlan:
    live: Slot = state.live_slot if state is not None else "blue"
    candidate = state.candidate if state is not None else None
    flipped = state is not None and state.candidate_weight == 100
    idle = other_slot(live)
    # Flipped: the live slot runs the candidate and the idle one keeps the previous version,
    # so flipping back is a selector change.
    live_release = candidate if candidate is not None and flipped else stable
    idle_release = (stable if flipped else candidate) if candidate is not None else None
    workloads = [WorkloadPlan(live, f"{spec.name}-{live}", live_release,
                              {labels.SLOT: live})]
    services = [ServicePlan("", spec.name, {labels.SLOT: live})]
    if idle_release is not None:
        workloads.append(WorkloadPlan(idle, f"{spec.name}-{idle}", idle_release,
                                      {labels.SLOT: idle}, primary=False))
        services.append(ServicePlan("preview", f"{spec.name}-preview", {labels.SLOT: idle}))
    # Keep a stable order (blue first) so a flip changes selectors, not the resource list.
    workloads.sort(key=lambda w: w.key)
    return ReleasePlan(workloads, services, [(spec.name, 100)], split=False, stable=stable)
