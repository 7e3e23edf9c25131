"""The `metrics` section: where Prometheus scrapes the service."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from .validation import URL_PATH, SpecModel


class MetricsEndpoint(SpecModel):
    """Where Prometheus scrapes the service (through its Service port `http`)."""

    path: str = Field(default="/metrics", pattern=URL_PATH,
                      description="HTTP path of the Prometheus metrics. Default /metrics.")
    interval: str = Field(default="30s", description="Scrape interval, e.g. 15s or 1m. "
                          "Default 30s.")

    @field_validator("interval", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if not (isinstance(value, str) and re.match(r"^[1-9][0-9]*(s|m)$", value)):
            raise ValueError(f"must be a duration in seconds or minutes such as 30s or 1m "
                             f"(got {value!r})")
        return value
