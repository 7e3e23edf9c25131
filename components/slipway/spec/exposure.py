"""The `exposure` section: public host, path and rate limit at the gateway."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from .synthetic import SyntheticCheck
from .validation import (
    HOST_NAME,
    URL_PATH,
    SpecModel,
    check_gateway_path,
    check_host,
    error_at,
)


class RateLimit(SpecModel):
    """A token bucket at the public gateway for this service's host (Istio local rate limit)."""

    requests_per_second: int = Field(
        ge=1, le=100_000, description="Tokens added per second: the sustained request rate."
    )
    burst: int | None = Field(
        default=None, ge=1, le=1_000_000,
        description="Bucket size: requests allowed at once after a quiet spell. Default: "
        "requestsPerSecond (no burst above the sustained rate).",
    )

    @model_validator(mode="after")
    def _burst_covers_rate(self) -> RateLimit:
        if self.burst is not None and self.burst < self.requests_per_second:
            raise error_at(
                "burst",
                f"must be >= requestsPerSecond (got {self.burst} < {self.requests_per_second}); "
                "a bucket smaller than one second's refill can never reach the sustained rate",
            )
        return self

    @property
    def bucket_size(self) -> int:
        return self.burst if self.burst is not None else self.requests_per_second


class Exposure(SpecModel):
    public: bool = Field(default=False, description="Reachable from the ingress gateway.")
    host: str | None = Field(
        default=None,
        pattern=HOST_NAME,
        description="Public host name; required when public.",
    )
    path: str = Field(default="/", pattern=URL_PATH, description="Path prefix.")
    rate_limit: RateLimit | None = Field(
        default=None,
        description="Requests per second (and burst) the public gateway lets through to this "
        "host; above it clients get HTTP 429. Left out: no limit. Only for public services.",
    )

    synthetic: SyntheticCheck | None = Field(
        default=None,
        description="Tunes the synthetic check every public service gets (path, interval, "
        "success ratio). Left out: the defaults, probing exposure.path every 30s. Only for "
        "public services.",
    )

    @property
    def synthetic_check(self) -> SyntheticCheck | None:
        """The synthetic check a public service gets (None: not public, no check)."""
        if not self.public:
            return None
        return self.synthetic if self.synthetic is not None else SyntheticCheck()

    @property
    def critical_path(self) -> str:
        """What the synthetic check requests: its own path, else the exposure path."""
        check = self.synthetic_check
        return check.path if check is not None and check.path is not None else self.path

    @field_validator("host")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        return check_host(value) if value is not None else None

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return check_gateway_path(value)

    @model_validator(mode="after")
    def _host_when_public(self) -> Exposure:
        if self.public and self.host is None:
            raise error_at(
                "host", "is required when exposure.public is true (e.g. orders.example.com)"
            )
        if not self.public and self.host is not None:
            raise error_at(
                "public", "is false, so host would be ignored: set public: true or drop host"
            )
        if not self.public and self.synthetic is not None:
            raise error_at(
                "synthetic",
                "checks the public host, and exposure.public is false: set public: true (with "
                "a host) or drop synthetic",
            )
        if not self.public and self.rate_limit is not None:
            raise error_at(
                "rateLimit",
                "applies at the public gateway only, and exposure.public is false: set "
                "public: true (with a host) or drop rateLimit",
            )
        return self
