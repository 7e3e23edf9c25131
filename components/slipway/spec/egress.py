"""The `egress` section: destinations outside the catalog."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, field_validator

from .validation import SpecModel


class Egress(SpecModel):
    """Traffic to something outside the catalog (a payment provider, a managed database)."""

    cidr: str = Field(description="Destination network, e.g. 203.0.113.0/24.")
    ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default_factory=lambda: [443],
        description="TCP ports allowed (at least one: an empty list would allow every port).",
    )

    @field_validator("ports")
    @classmethod
    def _some_ports(cls, ports: list[int]) -> list[int]:
        if not ports:
            raise ValueError(
                "must list at least one port, e.g. [443]; an empty list would allow every port"
            )
        return ports

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            ipaddress.ip_network(value, strict=True)
        except ValueError:
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                network = None
            if network is not None:
                raise ValueError(
                    f"has host bits set (got {value!r}); did you mean {network}?"
                ) from None
            raise ValueError(
                f"must be a network in CIDR form such as 10.0.0.0/16 (got {value!r})"
            ) from None
        return value
