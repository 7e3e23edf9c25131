"""The `probes` section: readiness, liveness and startup checks."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from .validation import SpecModel, check_request_path, check_unprivileged_port


class Probe(SpecModel):
    """One health check. In YAML a plain string is shorthand for an HTTP path."""

    TEXT_SHORTHAND: ClassVar[bool] = True
    """Read by the text check (text_values): a scalar here is the path, so it must be text."""

    path: str | None = Field(
        default=None, pattern=r"^/",
        description="HTTP GET path (and query), e.g. /healthz. Left out: a TCP check.",
    )
    port: int | None = Field(
        default=None,
        description="Port to check, 1024-65535 (the container never runs as root, so it cannot "
        "listen below 1024). Left out: the service port.",
    )
    initial_delay_seconds: int = Field(default=0, ge=0, le=3600)
    period_seconds: int = Field(default=10, ge=1, le=300)
    timeout_seconds: int = Field(default=2, ge=1, le=60)
    failure_threshold: int = Field(default=3, ge=1, le=100)

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        return check_request_path(value) if value is not None else None

    @field_validator("port")
    @classmethod
    def _port(cls, value: int | None) -> int | None:
        return check_unprivileged_port(value) if value is not None else None

    @model_validator(mode="before")
    @classmethod
    def _path_shorthand(cls, value: object) -> object:
        return {"path": value} if isinstance(value, str) else value


PROBE_DEFAULTS: dict[str, dict[str, int]] = {
    "readiness": {},
    "liveness": {"periodSeconds": 20},
    # Hold liveness and readiness for up to 5 minutes while the app starts.
    "startup": {"periodSeconds": 5, "failureThreshold": 60},
}


class Probes(SpecModel):
    """Health checks. Each left out is a TCP check on the service port; each given keeps the
    role's timing defaults for whatever it does not set (liveness every 20s, startup every 5s
    for up to 60 tries)."""

    readiness: Probe = Field(description="Gates traffic.")
    liveness: Probe = Field(description="Restarts a stuck container.")
    startup: Probe = Field(description="Holds the other probes until the app has started.")

    @model_validator(mode="before")
    @classmethod
    def _role_defaults(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        merged: dict[str, object] = dict(value)
        for role, defaults in PROBE_DEFAULTS.items():
            given = merged.get(role, {})
            if isinstance(given, str):
                given = {"path": given}
            if isinstance(given, dict):
                merged[role] = {**defaults, **given}
        return merged
