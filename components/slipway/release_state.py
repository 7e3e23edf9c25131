"""Release progress: what runs for each service and where a release in flight stands.

The service file says which version is *desired*; this says what *runs* (stable) and what is
in flight (candidate, weight, live slot, the gates it passed), plus the versions that failed
and the last delivery. It is recorded in the stack's own outputs (`releases`) by the same
update that moves the traffic, so it lives with the stack's state in the backend and every
runner, laptop and fresh clone reads the same thing (docs/delivery.md):

    releases:
      orders:
        stable: {version: 1.8.3, image: registry.example.com/shop/orders@sha256:...}
        candidate: {version: 1.9.0, image: registry.example.com/shop/orders@sha256:...}
        weight: 5          # canary: percent of traffic to the candidate
        live: blue         # blue-green: the slot the main Service selects
        switch: bridge     # a strategy switch in progress (bridge, then land)
        gates: [{weight: 1, requestsPerSecond: 20.0, errorRate: 0.0, latencyMs: 80.0}]
        failed: [{version: 1.8.9, image: ..., reason: "canary error rate 5.00% > 0.10% ..."}]

Every key is optional. Earlier versions kept this in `slipway:releases` of Pulumi.<stack>.yaml;
the tool migrates that key once (tooling/progress.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from . import labels
from .spec.signature import ImageSignature
from .spec.validation import COMMIT, SEMVER, SpecModel, check_image, check_label_value

Slot = Literal["blue", "green"]
SLOTS: tuple[Slot, Slot] = ("blue", "green")


def other_slot(slot: Slot) -> Slot:
    return "green" if slot == "blue" else "blue"


class ReleaseRef(SpecModel):
    """One version of a service: what a track or slot runs."""

    version: str = Field(pattern=SEMVER, description="Semantic version, e.g. 1.9.0.")
    image: str = Field(description="Image pinned by digest (registry/repo@sha256:<64 hex>).")
    signature: ImageSignature | None = Field(
        default=None, description="cosign signature of the image. Left out: none on the pod."
    )

    commit: str | None = Field(
        default=None, pattern=COMMIT,
        description="The repository commit that asked for this version (`slipway deliver "
        "--commit`). Left out: unknown.")
    source_commit: str | None = Field(
        default=None, pattern=COMMIT,
        description="The image's source commit, as the service file named it (`commit:`) for "
        "this version. Left out: unknown.")

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        return check_image(value)

    @field_validator("version")
    @classmethod
    def _version_label(cls, value: str) -> str:
        # Every object of the release carries it as a label, as the service file's does.
        return check_label_value(value, labels.VERSION)

    def same(self, other: ReleaseRef | None) -> bool:
        """Same version and image (the commit and signature do not make another release)."""
        return other is not None and (self.version, self.image) == (other.version, other.image)


class Gate(SpecModel):
    """The figures one release step was judged on, and the verdict."""

    weight: int = Field(ge=0, le=100, description="Candidate traffic share when judged.")
    requests_per_second: float = Field(description="Requests per second of the judged track.")
    error_rate: float | None = Field(default=None, description="5xx share; None: no traffic.")
    latency_ms: float | None = Field(default=None, description="Latency at the SLO percentile.")
    probe_success: float | None = Field(
        default=None, description="Share of the synthetic check's probes that succeeded (a "
        "public service); None: no synthetic check, or no probe data.")
    verdict: Literal["pass", "breach", "hold"] = Field(description="What the gate decided.")
    reasons: list[str] = Field(default_factory=list,
                               description="Breaches or why it held; empty when it passed.")


class FailedRelease(SpecModel):
    """A version whose release was rolled back: not retried until the service file changes."""

    version: str = Field(pattern=SEMVER)
    image: str
    reason: str = Field(default="", description="The breach that rolled it back.")


class Delivery(SpecModel):
    """The last release that finished, for the next stage and the summary."""

    version: str = Field(pattern=SEMVER)
    image: str
    result: Literal["delivered", "rolled-back", "superseded"]
    at: datetime = Field(description="When it finished (UTC).")
    verified: bool = Field(
        default=False,
        description="delivered with every step judged healthy against the SLO in Prometheus "
        "(not by hand, not unjudged); what a later stage requires.")
    commit: str | None = Field(default=None, pattern=COMMIT)


class ReleaseState(SpecModel):
    """One service's release, as the tool left it. Empty: the service file's version runs."""

    stable: ReleaseRef | None = Field(
        default=None,
        description="The version serving traffic. Left out: the service file's version and "
        "image.",
    )
    candidate: ReleaseRef | None = Field(
        default=None, description="The version being released. Left out: no release under way."
    )
    weight: int | None = Field(
        default=None, ge=0, le=100,
        description="canary: percent of traffic to the candidate (0: none, no canary pods; "
        "100: the candidate is stable). blue-green: 0 while the candidate is in preview, 100 "
        "once traffic has flipped to it. Left out: 0.",
    )
    live: Slot | None = Field(
        default=None, description="blue-green: the slot the main Service selects. Default blue."
    )
    switch: Literal["bridge", "land"] | None = Field(
        default=None,
        description="A strategy switch in progress (`slipway release switch`). bridge: the "
        "service runs on its bridge Deployment `<name>-bridge` alone (the old strategy's objects "
        "are gone); land: the new strategy's Deployments run beside the bridge, which still "
        "takes traffic. Left out: no switch.")
    gates: list[Gate] = Field(
        default_factory=list,
        description="The gates the candidate passed so far (cleared when it finishes); a "
        "resumed delivery never judges those steps again.")
    failed: list[FailedRelease] = Field(
        default_factory=list, description="Versions rolled back: not retried as they are.")
    last: Delivery | None = Field(default=None, description="The last finished release.")

    @property
    def candidate_weight(self) -> int:
        """Percent of traffic the candidate takes (0 without a candidate)."""
        if self.candidate is None:
            return 0
        return self.weight if self.weight is not None else 0

    @property
    def live_slot(self) -> Slot:
        return self.live if self.live is not None else "blue"

    def failed_release(self, ref: ReleaseRef) -> FailedRelease | None:
        """The recorded failure of exactly this version and image, if any."""
        return next((f for f in self.failed if (f.version, f.image) == (ref.version, ref.image)),
                    None)
