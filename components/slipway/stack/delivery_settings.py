"""`slipway:delivery`: how `slipway deliver` ships to this stack (stages, soak, freezes).

    slipway:delivery:
      after: dev           # only versions delivered and verified in dev ...
      soak: 1h             # ... and running there this long
      parallel: 4          # independent services released at the same time
      lockTimeout: 5m      # wait this long (with backoff) for a stack another run holds
      freeze:
        - {start: "2026-12-18T00:00:00Z", end: "2027-01-04T00:00:00Z", reason: year end}

A freeze window blocks *new* releases; a release already under way goes on to its end.
(The policy pack's freeze rule, when configured, refuses every update of the stack instead.)
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import Field, field_validator, model_validator

from ..spec.validation import DNS_LABEL, FieldError, SpecModel

_DURATION = re.compile(r"^([0-9]+)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION_WORDS = "a number and a unit s, m, h or d, e.g. 30m"


def duration(text: str) -> timedelta:
    match = _DURATION.match(text)
    assert match is not None  # validated by the model
    return timedelta(seconds=int(match[1]) * _SECONDS[match[2]])


class FreezeWindowSettings(SpecModel):
    start: datetime = Field(description="When the window opens (ISO 8601 with a time zone).")
    end: datetime = Field(description="When it closes.")
    reason: str = Field(min_length=1, description="Why (shown when a release is held).")

    @model_validator(mode="after")
    def _ordered(self) -> FreezeWindowSettings:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise FieldError("start", "needs a time zone, e.g. 2026-12-18T00:00:00Z")
        if self.end <= self.start:
            raise FieldError("end", f"must be after start (got {self.end.isoformat()})")
        return self


class DeliverySettings(SpecModel):
    after: str | None = Field(
        default=None, pattern=DNS_LABEL,
        description="The stage before this one: `deliver` only ships versions delivered and "
        "verified there. Left out: any version (the first stage).")
    soak: str = Field(default="0s", description="How long a version must have run in `after` "
                      "since its delivery there. Default 0s.")
    parallel: int = Field(default=4, ge=1, le=64,
                          description="Independent services released at the same time.")
    lock_timeout: str = Field(default="5m", description="How long to wait, with a bounded "
                              "backoff, for a stack another update holds. Default 5m.")
    freeze: list[FreezeWindowSettings] = Field(
        default_factory=list, description="Windows in which no new release starts.")

    @field_validator("soak", "lock_timeout")
    @classmethod
    def _duration(cls, value: str) -> str:
        if not _DURATION.match(value):
            raise ValueError(f"must be {DURATION_WORDS} (got {value!r})")
        return value

    @property
    def soak_time(self) -> timedelta:
        return duration(self.soak)

    @property
    def lock_timeout_seconds(self) -> float:
        return duration(self.lock_timeout).total_seconds()
