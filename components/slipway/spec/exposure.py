"""The `exposure` section: public host, path and rate limit at the gateway."""

from __future__ import annotations

from pydantic import Field, model_validator

from .validation import HOST_NAME, URL_PATH, SpecModel, error_at


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
        if not self.public and self.rate_limit is not None:
            raise error_at(
                "rateLimit",
                "applies at the public gateway only, and exposure.public is false: set "
                "public: true (with a host) or drop rateLimit",
            )
        return self
