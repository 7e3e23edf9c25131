"""The `slo` section: availability and latency objectives."""

from __future__ import annotations

from pydantic import Field

from .validation import SpecModel


class LatencyObjective(SpecModel):
    threshold_ms: int = Field(
        default=500, ge=1, le=60_000,
        description="Requests faster than this count as good. Default 500 ms.",
    )
    percent: float = Field(
        default=95.0, gt=50, lt=100,
        description="Share of requests that must be faster than thresholdMs, e.g. 95 for "
        "'p95 under thresholdMs'. Default 95.",
    )


class Slo(SpecModel):
    """Service level objectives: SLO alerts (burn rates) and the canary gate both read them."""

    availability: float = Field(
        default=99.9, ge=90, lt=100,
        description="Percent of requests that must not fail (HTTP 5xx) over windowDays. "
        "Default 99.9: an error budget of 0.1%.",
    )
    latency: LatencyObjective = Field(default_factory=LatencyObjective)
    window_days: int = Field(
        default=30, ge=7, le=90, description="Compliance window in days. Default 30."
    )

    @property
    def error_budget(self) -> float:
        """Fraction of requests allowed to fail, e.g. 0.001 for 99.9%."""
        return round(1 - self.availability / 100, 10)

    @property
    def latency_budget(self) -> float:
        """Fraction of requests allowed to be slower than the latency threshold."""
        return round(1 - self.latency.percent / 100, 10)
