"""What an update does with the service file's version, given the recorded release progress.

The service file is the *desired* version; the recorded progress (release_state.py) says what
runs. `reconcile` is what `slipway up` (and a plain `pulumi up`) does when they differ, so a
version change is never silently ignored:

- rolling: the new version rolls out in this update (it becomes stable);
- canary / blue-green: the release starts at its first step (canary weight, or the candidate in
  the idle blue-green slot); `slipway deliver` carries it to the end;
- the file is back at the stable version while a release is in flight (a reverted bump):
  the release is rolled back (traffic to stable, candidate removed);
- a newer version while another is in flight: the older one is superseded (traffic back to
  stable) and the newer one starts;
- a version whose release was rolled back stays failed: nothing happens until the file changes;
- a strategy switch in progress (`switch`) stays as it is: `slipway release switch` finishes it.

A changed `release.strategy` is not reconciled here: going from one strategy's Deployments to
another's in one update would replace them, so the program refuses it (stack/progress.py) and
`slipway release switch` drives it in three updates (`bridged`, `landing`, `settled`).

Pure: spec and recorded state in, the state for this update and a sentence out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .release_state import ReleaseRef, ReleaseState
from .spec.model import ServiceSpec

Change = Literal["none", "first", "rolled", "started", "reverted", "superseded", "failed-before",
                 "in-flight", "switching"]


@dataclass(frozen=True)
class Reconciled:
    """The release state an update applies for one service, and what changed."""

    state: ReleaseState
    change: Change
    note: str
    """One sentence for the summary; empty when nothing changed."""


def desired(spec: ServiceSpec) -> ReleaseRef:
    """The version, image and signature the service file asks for."""
    return ReleaseRef(version=spec.version, image=spec.image, signature=spec.signature,
                      source_commit=spec.commit)


def first_step(spec: ServiceSpec, stable: ReleaseRef, candidate: ReleaseRef,
               state: ReleaseState) -> ReleaseState:
    """A release of `candidate` at its first step: canary weight or the idle blue-green slot."""
    if spec.release.strategy == "canary":
        return state.model_copy(update={"stable": stable, "candidate": candidate,
                                        "weight": spec.release.steps[0], "gates": []})
    return state.model_copy(update={"stable": stable, "candidate": candidate, "weight": 0,
                                    "live": state.live_slot, "gates": []})


def without_candidate(state: ReleaseState) -> ReleaseState:
    """Traffic back to stable: no candidate, no weight, no gates (blue-green keeps its slot, and
    a flipped one flips back, since the stable version runs in the other slot)."""
    live = state.live
    if state.candidate is not None and state.candidate_weight == 100 and live is not None:
        live = "green" if live == "blue" else "blue"
    return state.model_copy(update={"candidate": None, "weight": None, "gates": [],
                                    "live": live})


def bridged(spec: ServiceSpec, state: ReleaseState | None) -> ReleaseState:
    """A strategy switch's first update: the stable version on the bridge Deployment alone (the
    old strategy's objects go once it is ready). Nothing in flight goes with it."""
    current = state if state is not None else ReleaseState()
    stable = current.stable if current.stable is not None else desired(spec)
    return current.model_copy(update={"stable": stable, "candidate": None, "weight": None,
                                      "live": None, "gates": [], "switch": "bridge"})


def landing(state: ReleaseState) -> ReleaseState:
    """A switch's second update: the new strategy's objects come up beside the bridge."""
    return state.model_copy(update={"switch": "land"})


def settled(state: ReleaseState) -> ReleaseState:
    """A switch's last update: the new strategy as usual; the bridge goes."""
    return state.model_copy(update={"switch": None})


def running_strategy(recorded: ReleaseState | None, reported: str | None) -> str | None:
    """The strategy whose objects run: what the last update reported (the `services` output),
    else what the recorded progress implies (a live slot is blue-green, a weight without one
    canary); None when nothing says."""
    if reported is not None:
        return reported
    if recorded is None or recorded.switch is not None:
        return None
    if recorded.live is not None:
        return "blue-green"
    if recorded.weight is not None:
        return "canary"
    return None


def reconcile(spec: ServiceSpec, recorded: ReleaseState | None) -> Reconciled:
    """The state this update applies for `spec` (see the module docstring)."""
    want = desired(spec)
    state = recorded if recorded is not None else ReleaseState()
    name, strategy = spec.name, spec.release.strategy
    if state.switch is not None:
        return Reconciled(state, "switching",
                          f"{name}: a switch to {strategy} is half done (the bridge "
                          f"Deployment {name}-bridge serves); `slipway release switch {name} "
                          "--stack STACK` finishes it")
    if state.stable is None:
        # Never deployed (or deployed before progress was recorded): the file's version runs.
        return Reconciled(state.model_copy(update={"stable": want}), "first", "")
    stable = state.stable
    candidate = state.candidate
    if want.same(stable):
        if candidate is None:
            return Reconciled(state, "none", "")
        return Reconciled(
            without_candidate(state), "reverted",
            f"{name}: the service file is back at {stable.version}: the release of "
            f"{candidate.version} is rolled back (traffic to {stable.version})")
    if candidate is not None and want.same(candidate):
        return Reconciled(state, "in-flight",
                          f"{name}: {stable.version} -> {candidate.version} ({strategy}) is "
                          f"under way at {state.candidate_weight}%; `slipway deliver` carries "
                          "it on")
    failure = state.failed_release(want)
    if failure is not None:
        back = without_candidate(state) if candidate is not None else state
        why = failure.reason or "SLO breach"
        return Reconciled(back, "failed-before",
                          f"{name}: {want.version} was rolled back before ({why}); it is not "
                          "released again until the service file changes")
    if strategy == "rolling":
        return Reconciled(state.model_copy(update={"stable": want, "candidate": None,
                                                   "weight": None, "gates": []}),
                          "rolled", f"{name}: {stable.version} -> {want.version} rolls out "
                          "(rolling) in this update")
    base = without_candidate(state) if candidate is not None else state
    started = first_step(spec, stable, want, base)
    where = (f"{started.candidate_weight}% of traffic" if strategy == "canary"
             else f"the idle {'green' if base.live_slot == 'blue' else 'blue'} slot (no traffic)")
    if candidate is not None:
        return Reconciled(started, "superseded",
                          f"{name}: {candidate.version} is superseded by {want.version}: "
                          f"traffic back to {stable.version}, {want.version} starts at {where};"
                          f" `slipway deliver --stack STACK` carries it to the end")
    return Reconciled(started, "started",
                      f"{name}: {stable.version} -> {want.version} ({strategy}) starts at "
                      f"{where}; `slipway deliver --stack STACK` carries it to the end")
