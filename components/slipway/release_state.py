"""Release state: where each service's release stands, as `slipway release` writes it.

It lives in the stack config key `slipway:releases`, so every release step is an ordinary
`pulumi up` that `pulumi stack history` records:

    slipway:releases:
      orders:
        stable: {version: 1.8.3, image: registry.example.com/shop/orders@sha256:...}
        candidate: {version: 1.9.0, image: registry.example.com/shop/orders@sha256:...}
        weight: 5          # canary: percent of traffic to the candidate
        live: blue         # blue-green: the slot the main Service selects

Every key is optional. The service file holds a service's initial version and image; once the
tool has written `stable`, the state wins (`slipway release status` shows what runs).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .spec.signature import ImageSignature
from .spec.validation import SEMVER, SpecModel, check_image

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

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        return check_image(value)


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

    @property
    def candidate_weight(self) -> int:
        """Percent of traffic the candidate takes (0 without a candidate)."""
        if self.candidate is None:
            return 0
        return self.weight if self.weight is not None else 0

    @property
    def live_slot(self) -> Slot:
        return self.live if self.live is not None else "blue"
