"""The `metrics` section: where Prometheus scrapes the service."""

from __future__ import annotations

import itertools
import re

from pydantic import Field, field_validator

from .validation import URL_PATH, SpecModel, check_gateway_path

# The Prometheus client libraries' default histogram buckets (seconds), what a service exports
# when its code does not choose its own.
DEFAULT_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)


class MetricsEndpoint(SpecModel):
    """Where Prometheus scrapes the service (through its Service port `http`)."""

    path: str = Field(default="/metrics", pattern=URL_PATH,
                      description="HTTP path of the Prometheus metrics. Default /metrics.")
    interval: str = Field(default="30s", description="Scrape interval, e.g. 15s or 1m. "
                          "Default 30s.")
    buckets: tuple[float, ...] = Field(
        default=DEFAULT_BUCKETS,
        description="Upper bounds (seconds) of the service's request duration histogram "
        "(`http_request_duration_seconds_bucket{le}`), ascending. slo.latency.thresholdMs must "
        "be one of them: the latency SLO reads the bucket at the threshold. Default the "
        "Prometheus client libraries' defaults: 0.005 to 10.",
    )

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return check_gateway_path(value)

    @field_validator("interval", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if not (isinstance(value, str) and re.match(r"^[1-9][0-9]*(s|m)$", value)):
            raise ValueError(f"must be a duration in seconds or minutes such as 30s or 1m "
                             f"(got {value!r})")
        return value

    @field_validator("buckets")
    @classmethod
    def _ascending(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value:
            raise ValueError("must list at least one bucket bound in seconds, e.g. [0.1, 0.5, 1]")
        if any(bound <= 0 for bound in value):
            raise ValueError(f"bounds must be above 0 seconds (got {list(value)})")
        if any(a >= b for a, b in itertools.pairwise(value)):
            raise ValueError(f"bounds must be strictly ascending (got {list(value)})")
        return value

    def has_bound_ms(self, milliseconds: int) -> bool:
        """Whether a latency in ms is exactly one of the bucket bounds."""
        return any(round(bound * 1000, 6) == milliseconds for bound in self.buckets)
