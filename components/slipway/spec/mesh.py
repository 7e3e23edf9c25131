"""The `mesh` section: timeouts, retries and circuit breaking in the Istio mesh."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from .validation import SpecModel, error_at

RETRY_CONDITIONS = (
    "5xx", "gateway-error", "reset", "connect-failure", "envoy-ratelimited", "retriable-4xx",
    "refused-stream", "retriable-status-codes", "retriable-headers", "cancelled",
    "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
)


class Retries(SpecModel):
    attempts: int = Field(
        default=2, ge=0, le=10,
        description="Retries after the first try (0: none). Default 2.",
    )
    per_try_timeout_ms: int = Field(
        default=1000, ge=1, le=300_000,
        description="Time limit of each try, in milliseconds. Default 1000.",
    )
    retry_on: list[str] = Field(
        default_factory=lambda: ["connect-failure", "refused-stream", "unavailable", "cancelled"],
        description="Envoy retry conditions. Default: failures where the request never reached "
        "the app (connect-failure, refused-stream, unavailable, cancelled), which are safe for "
        "non-idempotent requests; add 5xx only for idempotent APIs.",
    )

    @field_validator("retry_on")
    @classmethod
    def _known_conditions(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if v not in RETRY_CONDITIONS]
        if unknown:
            raise ValueError(
                f"unknown retry condition {unknown[0]!r}; valid: {', '.join(RETRY_CONDITIONS)}"
            )
        if not values:
            raise ValueError("must list at least one condition; to turn retries off set "
                             "attempts: 0")
        return values


class CircuitBreaker(SpecModel):
    """Connection pool limits and outlier detection (Istio DestinationRule)."""

    max_connections: int = Field(default=100, ge=1, le=100_000,
                                 description="TCP connections to the service per caller pod.")
    max_pending_requests: int = Field(
        default=100, ge=1, le=100_000,
        description="Requests queued while waiting for a connection; more fail fast (503).",
    )
    max_requests: int = Field(default=1000, ge=1, le=1_000_000,
                              description="Concurrent requests to the service per caller pod.")
    consecutive_errors: int = Field(
        default=5, ge=1, le=1000,
        description="Consecutive 5xx (or connection errors) that eject a pod. Default 5.",
    )
    interval_seconds: int = Field(default=10, ge=1, le=3600,
                                  description="How often pods are checked. Default 10.")
    base_ejection_seconds: int = Field(
        default=30, ge=1, le=3600,
        description="How long an ejected pod stays out (times the ejections so far). Default 30.",
    )
    max_ejection_percent: int = Field(
        default=50, ge=1, le=100,
        description="At most this share of pods is ejected at once. Default 50.",
    )


class MeshPolicy(SpecModel):
    """Timeouts, retries and circuit breaking in the Istio mesh (when the stack has a mesh)."""

    timeout_ms: int = Field(
        default=3000, ge=1, le=600_000,
        description="Whole-request deadline in milliseconds, retries included. Default 3000.",
    )
    retries: Retries = Field(default_factory=Retries)
    circuit_breaker: CircuitBreaker = Field(default_factory=CircuitBreaker)

    @model_validator(mode="after")
    def _retries_fit_the_deadline(self) -> MeshPolicy:
        retries = self.retries
        tries = retries.attempts + 1  # the first try counts against the deadline too
        needed = tries * retries.per_try_timeout_ms
        if retries.attempts > 0 and needed > self.timeout_ms:
            raise error_at(
                "retries.perTryTimeoutMs",
                f"(1 + attempts) x perTryTimeoutMs must fit in timeoutMs (got {tries} x "
                f"{retries.per_try_timeout_ms} = {needed} > {self.timeout_ms}); lower attempts "
                "or perTryTimeoutMs, or raise timeoutMs",
            )
        if retries.per_try_timeout_ms > self.timeout_ms:
            raise error_at(
                "retries.perTryTimeoutMs",
                f"must be <= timeoutMs (got {retries.per_try_timeout_ms} > {self.timeout_ms})",
            )
        return self
