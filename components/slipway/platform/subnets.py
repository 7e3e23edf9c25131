"""Subnet layout: CIDRs cut from the VPC block with `ipaddress`, checked, and tagged.

Pure functions, no resources: the Network component and the program's cross-layer checks both
read the same plan.

Layout for a /N VPC (e.g. /16): the first three /N+3 blocks are the private subnets (nodes and
pods, which take one VPC address each with the VPC CNI, so they get the room); the fourth /N+3
is cut into /N+6 blocks: three public (load balancers, NAT gateways) then three intra (no route
out at all: things that must never reach the internet). The rest stays free for later.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Tier = Literal["public", "private", "intra"]
TIERS: tuple[Tier, ...] = ("public", "private", "intra")
ZONE_COUNT = 3
ELB_TAG = "kubernetes.io/role/elb"
INTERNAL_ELB_TAG = "kubernetes.io/role/internal-elb"


@dataclass(frozen=True)
class SubnetPlan:
    """One subnet: its tier, zone (index and name) and CIDR block."""

    tier: Tier
    zone_index: int
    zone: str
    cidr: str

    @property
    def key(self) -> str:
        """Resource-name suffix, e.g. private-a."""
        return f"{self.tier}-{'abcdefgh'[self.zone_index]}"


def plan_subnets(vpc_cidr: str, zones: Sequence[str]) -> list[SubnetPlan]:
    """Public, private and intra subnets for each of three zones, cut from `vpc_cidr`."""
    if len(zones) != ZONE_COUNT:
        raise ValueError(f"need exactly {ZONE_COUNT} availability zones (got {len(zones)}: "
                         f"{', '.join(zones) or 'none'})")
    vpc = ipaddress.IPv4Network(vpc_cidr)
    eighths = list(vpc.subnets(prefixlen_diff=3))
    small = list(eighths[ZONE_COUNT].subnets(prefixlen_diff=3))
    blocks: dict[Tier, list[ipaddress.IPv4Network]] = {
        "private": eighths[:ZONE_COUNT],
        "public": small[:ZONE_COUNT],
        "intra": small[ZONE_COUNT:2 * ZONE_COUNT],
    }
    plans = [
        SubnetPlan(tier, index, zone, str(blocks[tier][index]))
        for tier in TIERS for index, zone in enumerate(zones)
    ]
    problems = check_subnets(vpc_cidr, [p.cidr for p in plans])
    if problems:  # cannot happen with the layout above; the check guards future edits
        raise ValueError("; ".join(problems))
    return plans


def check_subnets(vpc_cidr: str, subnets: Sequence[str]) -> list[str]:
    """Problems with a subnet layout: a block outside the VPC, too small for AWS, or
    overlapping another. Empty when the layout is sound."""
    vpc = ipaddress.IPv4Network(vpc_cidr)
    networks = [ipaddress.IPv4Network(cidr) for cidr in subnets]
    problems = []
    for network in networks:
        if not network.subnet_of(vpc):
            problems.append(f"subnet {network} is not inside the VPC block {vpc}")
        if network.prefixlen > 28:
            problems.append(f"subnet {network} is smaller than /28, the smallest AWS allows")
    for i, first in enumerate(networks):
        for second in networks[i + 1:]:
            if first.overlaps(second):
                problems.append(f"subnets {first} and {second} overlap")
    return problems


def subnet_tags(tier: Tier, cluster_name: str, ownership: Literal["owned", "shared"],
                name: str) -> dict[str, str]:
    """Tags the AWS load balancer controller and EKS look for.

    Public subnets carry the ELB role (internet-facing load balancers go there), private the
    internal-ELB role; both carry the cluster tag. Intra subnets carry neither: nothing the
    cluster creates belongs there.
    """
    tags = {"Name": name, "slipway.dev/tier": tier}
    if tier == "public":
        tags[ELB_TAG] = "1"
    if tier == "private":
        tags[INTERNAL_ELB_TAG] = "1"
    if tier != "intra":
        tags[f"kubernetes.io/cluster/{cluster_name}"] = ownership
    return tags
