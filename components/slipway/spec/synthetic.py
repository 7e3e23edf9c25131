"""The `exposure.synthetic` section: the synthetic check of a public service's critical path.

Every public service gets one (a Prometheus operator Probe through the platform's blackbox
exporter, and an alert on its success ratio); this section only tunes it. `slipway deliver`
judges each step on the probe's success ratio too.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from .validation import URL_PATH, SpecModel, check_gateway_path

DEFAULT_MIN_SUCCESS_RATIO = 0.95
INTERVAL = re.compile(r"^([0-9]{1,6})(s|m)$")
MAX_INTERVAL_SECONDS = 300


class SyntheticCheck(SpecModel):
    path: str | None = Field(
        default=None, pattern=URL_PATH,
        description="The critical path the probe GETs through the public host, e.g. "
        "/checkout/health. Left out: exposure.path.",
    )
    interval: str = Field(
        default="30s",
        description="How often the blackbox exporter probes, e.g. 30s or 1m: from 1s to 5m "
        "(the alert judges the last 10 minutes, which must hold at least two probes). "
        "Default 30s.",
    )
    min_success_ratio: float = Field(
        default=DEFAULT_MIN_SUCCESS_RATIO, gt=0, le=1,
        description="The share of probes that must succeed: the alert fires below it (over "
        "10 minutes), and a delivery gate below it rolls back. Default 0.95.",
    )

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        return check_gateway_path(value) if value is not None else None

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        match = INTERVAL.match(value)
        seconds = int(match[1]) * (60 if match[2] == "m" else 1) if match else 0
        if not 1 <= seconds <= MAX_INTERVAL_SECONDS:
            raise ValueError(
                f"must be a duration from 1s to 5m written as seconds or minutes, e.g. 30s or "
                f"1m (got {value!r}); the alert judges the last 10 minutes, which must hold "
                "at least two probes")
        return value
