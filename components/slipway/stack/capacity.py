"""Capacity arithmetic: can the node groups schedule the catalog at its worst moment?

The worst moment is every service at `scaling.max` replicas in the middle of a release, with
its extra pods: `maxSurge` for a rolling update (Kubernetes rounds a percentage surge up), the
larger of that and `canaryReplicas` for a canary (its promotion ends in a rolling update of the
stable Deployment), and a whole second slot for blue-green (both slots run until the release
is finished). Demand is that pod count
times each pod's requests; supply is each node group's `maxSize` times what one node can give
pods (allocatable). Pure functions: the program runs them before registering anything.

Allocatable = capacity - system reserve - DaemonSet allowance, where the system reserve is what
the EKS-optimised AMI's kubelet reserves:
- CPU (kube-reserved): 6% of the first core, 1% of the second, 0.5% of cores 3-4, 0.25% of
  every core above 4;
- memory: kube-reserved 255Mi + 11Mi per pod the node may run (max pods, from the instance's
  network interfaces), plus the 100Mi hard eviction threshold;
and the DaemonSet allowance (aws-node, kube-proxy, agents) is `daemonset_cpu` and
`daemonset_memory` per node (default 200m and 256Mi).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..environment import Environment
from ..spec import quantity
from ..spec.catalog import Catalog
from ..spec.errors import SpecError
from ..spec.service import ServiceSpec

MI = 2**20
GI = 2**30


@dataclass(frozen=True)
class InstanceType:
    vcpu: int
    memory_gib: int
    max_pods: int
    """Pods the VPC CNI can address on it (ENIs x (IPs per ENI - 1) + 2), AWS's eni-max-pods."""


# size -> (vCPU, max pods) for the current general-purpose families; memory per vCPU below.
_SIZES = {"large": (2, 29), "xlarge": (4, 58), "2xlarge": (8, 58), "4xlarge": (16, 234),
          "8xlarge": (32, 234)}
_GIB_PER_VCPU = {"m5": 4, "m6i": 4, "m6a": 4, "m7i": 4, "m7g": 4, "c5": 2, "c6i": 2, "c6a": 2,
                 "c7g": 2, "r5": 8, "r6i": 8, "r7g": 8}
INSTANCE_TYPES: dict[str, InstanceType] = {
    f"{family}.{size}": InstanceType(vcpu, vcpu * gib, pods)
    for family, gib in _GIB_PER_VCPU.items()
    for size, (vcpu, pods) in _SIZES.items()
}
# Burstable t3: more memory per vCPU than the formula above, and their own pod limits.
INSTANCE_TYPES.update({
    "t3.medium": InstanceType(2, 4, 17),
    "t3.large": InstanceType(2, 8, 35),
    "t3.xlarge": InstanceType(4, 16, 58),
    "t3.2xlarge": InstanceType(8, 32, 58),
})

EVICTION_MEMORY = 100 * MI


@dataclass(frozen=True)
class NodePool:
    """What capacity needs of a node group."""

    name: str
    instance_type: str
    max_size: int


def kube_reserved_cpu(vcpu: int) -> Decimal:
    """Cores the kubelet reserves on the EKS AMI (see the module docstring)."""
    reserved = Decimal("0.06") * min(vcpu, 1)
    reserved += Decimal("0.01") * min(max(vcpu - 1, 0), 1)
    reserved += Decimal("0.005") * min(max(vcpu - 2, 0), 2)
    reserved += Decimal("0.0025") * max(vcpu - 4, 0)
    return reserved


def instance(name: str) -> InstanceType:
    try:
        return INSTANCE_TYPES[name]
    except KeyError:
        family = name.split(".", maxsplit=1)[0]
        sizes = sorted(t for t in INSTANCE_TYPES if t.startswith(f"{family}."))
        known = sizes or sorted({t.split(".")[0] for t in INSTANCE_TYPES})
        raise ValueError(
            f"instance type {name!r} is not in the capacity table; known "
            f"{'sizes' if sizes else 'families'}: {', '.join(known)} "
            "(add it to slipway.stack.capacity.INSTANCE_TYPES with its vCPU, memory and "
            "max pods)"
        ) from None


@dataclass(frozen=True)
class Allocatable:
    cpu: Decimal
    """Cores."""
    memory: Decimal
    """Bytes."""
    pods: int


def allocatable(name: str, daemonset_cpu: Decimal = Decimal("0.2"),
                daemonset_memory: Decimal = Decimal(256 * MI)) -> Allocatable:
    """What one node of this type can give the catalog's pods."""
    kind = instance(name)
    memory_reserve = (255 + 11 * kind.max_pods) * MI + EVICTION_MEMORY
    return Allocatable(
        cpu=kind.vcpu - kube_reserved_cpu(kind.vcpu) - daemonset_cpu,
        memory=kind.memory_gib * GI - memory_reserve - daemonset_memory,
        pods=kind.max_pods,
    )


def surge_pods(spec: ServiceSpec, environment: Environment) -> int:
    """Extra pods a rollout at max replicas adds (a percentage rounds up, as Kubernetes does)."""
    surge = spec.release.max_surge if spec.release.max_surge is not None else (
        environment.max_surge)
    if isinstance(surge, str):
        return math.ceil(int(surge.rstrip("%")) * spec.scaling.max / 100)
    return surge


def release_pods(spec: ServiceSpec, environment: Environment) -> int:
    """Extra pods, beyond `scaling.max`, that a release of this service may run at once."""
    strategy = spec.release.strategy
    if strategy == "blue-green":
        return spec.scaling.max
    if strategy == "canary":
        return max(surge_pods(spec, environment), spec.release.canary_replicas)
    return surge_pods(spec, environment)


@dataclass(frozen=True)
class Demand:
    service: str
    pods: int
    cpu_each: Decimal
    memory_each: Decimal

    @property
    def cpu(self) -> Decimal:
        return self.pods * self.cpu_each

    @property
    def memory(self) -> Decimal:
        return self.pods * self.memory_each


@dataclass(frozen=True)
class CapacityReport:
    demands: list[Demand]
    pools: list[tuple[NodePool, Allocatable]]

    @property
    def cpu_needed(self) -> Decimal:
        return sum((d.cpu for d in self.demands), Decimal(0))

    @property
    def memory_needed(self) -> Decimal:
        return sum((d.memory for d in self.demands), Decimal(0))

    @property
    def pods_needed(self) -> int:
        return sum(d.pods for d in self.demands)

    @property
    def cpu_available(self) -> Decimal:
        return sum((a.cpu * p.max_size for p, a in self.pools), Decimal(0))

    @property
    def memory_available(self) -> Decimal:
        return sum((a.memory * p.max_size for p, a in self.pools), Decimal(0))

    @property
    def pods_available(self) -> int:
        return sum(a.pods * p.max_size for p, a in self.pools)

    def problems(self) -> list[str]:
        found = []
        if self.cpu_needed > self.cpu_available:
            found.append(f"CPU: the catalog needs {cores(self.cpu_needed)} cores at max replicas "
                         f"plus surge, the node groups give {cores(self.cpu_available)}")
        if self.memory_needed > self.memory_available:
            found.append(f"memory: the catalog needs {gib(self.memory_needed)} GiB at max "
                         f"replicas plus surge, the node groups give "
                         f"{gib(self.memory_available)} GiB")
        if self.pods_needed > self.pods_available:
            found.append(f"pods: the catalog needs {self.pods_needed} pods, the node groups can "
                         f"address {self.pods_available}")
        largest_cpu = max((a.cpu for _, a in self.pools), default=Decimal(0))
        largest_memory = max((a.memory for _, a in self.pools), default=Decimal(0))
        for demand in self.demands:
            if demand.cpu_each > largest_cpu or demand.memory_each > largest_memory:
                found.append(
                    f"{demand.service}: one pod requests {cores(demand.cpu_each)} cores and "
                    f"{gib(demand.memory_each)} GiB, more than any node can give "
                    f"({cores(largest_cpu)} cores, {gib(largest_memory)} GiB)")
        return found

    def table(self) -> str:
        """Plain-text table: demand per service, then supply per node group."""
        rows = [("service", "pods", "cpu/pod", "mem/pod GiB", "cpu", "mem GiB")]
        rows += [(d.service, str(d.pods), cores(d.cpu_each), gib(d.memory_each), cores(d.cpu),
                  gib(d.memory)) for d in self.demands]
        rows.append(("total", str(self.pods_needed), "", "", cores(self.cpu_needed),
                     gib(self.memory_needed)))
        rows.append(("", "", "", "", "", ""))
        rows.append(("node group", "max nodes", "cpu/node", "mem/node GiB", "cpu", "mem GiB"))
        rows += [(f"{p.name} ({p.instance_type})", str(p.max_size), cores(a.cpu), gib(a.memory),
                  cores(a.cpu * p.max_size), gib(a.memory * p.max_size)) for p, a in self.pools]
        rows.append(("total", "", "", "", cores(self.cpu_available),
                     gib(self.memory_available)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        return "\n".join(
            "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                      for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
            for row in rows
        )


def cores(value: Decimal) -> str:
    return f"{value:.3f}"


def gib(value: Decimal) -> str:
    return f"{value / GI:.2f}"


def capacity_report(catalog: Catalog, environment: Environment,
                    pools: Sequence[NodePool]) -> CapacityReport:
    demands = [
        Demand(spec.name, spec.scaling.max + release_pods(spec, environment),
               quantity.cpu(spec.resources.cpu), quantity.memory(spec.resources.memory))
        for spec in sorted(catalog, key=lambda s: s.name)
    ]
    return CapacityReport(demands, [(pool, allocatable(pool.instance_type)) for pool in pools])


def check_capacity(catalog: Catalog, environment: Environment, pools: Sequence[NodePool],
                   source: str) -> CapacityReport:
    """The report; raises SpecError (with the table) when the catalog does not fit."""
    problems = []
    for pool in pools:
        try:
            instance(pool.instance_type)
        except ValueError as err:
            problems.append(f"{source}: slipway:aws.nodeGroups.{pool.name}.instanceType: {err}")
    if problems:
        raise SpecError(problems)
    report = capacity_report(catalog, environment, pools)
    found = report.problems()
    if found:
        raise SpecError(
            [f"{source}: slipway:aws.nodeGroups: do not fit the catalog: {p}" for p in found]
            + ["capacity at max replicas plus rollout surge:", *report.table().splitlines()]
        )
    return report
