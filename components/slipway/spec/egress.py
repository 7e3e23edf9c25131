"""The `egress` section: destinations outside the catalog."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from .validation import SpecModel, error_at

# Link-local and private addresses where clouds serve instance credentials: a pod that reaches
# one can take the node's (or a task's) identity.
METADATA_ADDRESSES = {
    "169.254.169.254": "the cloud instance metadata service",
    "169.254.170.2": "the ECS task metadata endpoint",
    "169.254.170.23": "the EKS Pod Identity agent",
    "100.100.100.200": "the Alibaba Cloud metadata service",
    "fd00:ec2::254": "the AWS instance metadata service (IPv6)",
    "fd00:ec2::23": "the EKS Pod Identity agent (IPv6)",
}
MIN_PREFIX = {4: 8, 6: 16}
"""Networks wider than a /8 (IPv4) or /16 (IPv6) cover a large part of the internet."""
MIN_JUSTIFICATION = 10


def _forms(address: ipaddress.IPv4Address | ipaddress.IPv6Address
           ) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The address and, for IPv4, the IPv6 forms that reach it (mapped, NAT64)."""
    if isinstance(address, ipaddress.IPv6Address):
        return [address]
    return [address, ipaddress.IPv6Address(f"::ffff:{address}"),
            ipaddress.IPv6Address(f"64:ff9b::{address}")]


def risk(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str | None:
    """Why egress to `network` is dangerous, or None."""
    if network.prefixlen == 0:
        return "allows every address"
    if network.prefixlen < MIN_PREFIX[network.version]:
        return (f"covers a large part of the internet (a /{network.prefixlen}; at most a "
                f"/{MIN_PREFIX[network.version]} without a justification)")
    for text, what in METADATA_ADDRESSES.items():
        for address in _forms(ipaddress.ip_address(text)):
            if address.version == network.version and address in network:
                return f"includes {text}, {what}, where a pod can take the node's credentials"
    return None


class Egress(SpecModel):
    """Traffic to something outside the catalog (a payment provider, a managed database)."""

    cidr: str = Field(description="Destination network, e.g. 203.0.113.0/24.")
    ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default_factory=lambda: [443],
        description="TCP ports allowed (at least one: an empty list would allow every port).",
    )

    justification: str | None = Field(
        default=None,
        description="Why this service needs a destination the loader otherwise refuses: a "
        "network covering every address or a large part of the internet, or one that includes a "
        "cloud metadata address (169.254.169.254, fd00:ec2::254). Left out: those are refused.",
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

    @model_validator(mode="after")
    def _not_everything(self) -> Egress:
        why = risk(ipaddress.ip_network(self.cidr))
        justified = (self.justification or "").strip()
        if why is not None and len(justified) < MIN_JUSTIFICATION:
            raise error_at(
                "cidr",
                f"{self.cidr} {why}; name the networks the service needs, or, if it truly needs "
                "this one, say why in this entry's justification (a sentence a reviewer can "
                "check)",
            )
        return self
