"""The `disruption` section: how many pods voluntary evictions may take down."""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from .validation import IntOrPercent, SpecModel, error_at


class Disruption(SpecModel):
    """How many pods voluntary evictions (node drains, upgrades) may take down at once."""

    max_unavailable: IntOrPercent | None = Field(
        default=None, description="Pods that may be down at once. Default 1 when both are left out."
    )
    min_available: IntOrPercent | None = Field(
        default=None, description="Pods that must stay up. Must leave room below scaling.min."
    )

    @model_validator(mode="after")
    def _one_of(self) -> Disruption:
        if self.max_unavailable is not None and self.min_available is not None:
            raise error_at("minAvailable", "set either maxUnavailable or minAvailable, not both")
        if self.max_unavailable in (0, "0%"):
            raise error_at(
                "maxUnavailable",
                f"must allow at least one eviction (got {self.max_unavailable!r}); "
                "a PDB that allows none blocks every node drain",
            )
        if self.min_available == "100%":
            raise error_at(
                "minAvailable", "must be below 100% (a PDB at 100% blocks every node drain)"
            )
        return self


def pods_at_percent(percent: str, replicas: int) -> int:
    """Pods a PDB percentage stands for: Kubernetes rounds both minAvailable and
    maxUnavailable percentages up."""
    return math.ceil(int(percent.rstrip("%")) * replicas / 100)
