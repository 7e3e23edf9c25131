"""The simulated nodes of the local cluster: six workers across three zones, sized like a
small cloud node pool, so zone spread, requests and the scheduler behave as they would there.

kwok plays each node's kubelet (it manages nodes annotated `kwok.x-k8s.io/node: fake`); a node
reports the capacity and allocatable it is created with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REGION = "local-1"
ZONES = ("local-1a", "local-1b", "local-1c")
NODES_PER_ZONE = 2


@dataclass(frozen=True)
class NodeSize:
    """Capacity of one node and what the kubelet would keep for itself (allocatable)."""

    instance_type: str = "m6i.xlarge"
    cpu: str = "4"
    memory: str = "16Gi"
    allocatable_cpu: str = "3920m"
    allocatable_memory: str = "15136Mi"
    pods: str = "110"
    ephemeral_storage: str = "100Gi"


def node_names(zones: tuple[str, ...] = ZONES, per_zone: int = NODES_PER_ZONE) -> list[str]:
    return [f"slipway-worker-{i + 1}" for i in range(len(zones) * per_zone)]


def node_manifests(zones: tuple[str, ...] = ZONES, per_zone: int = NODES_PER_ZONE,
                   size: NodeSize = NodeSize()) -> list[dict[str, Any]]:
    """Node objects (status included: a Node's status may be set on create)."""
    nodes = []
    for i, name in enumerate(node_names(zones, per_zone)):
        zone = zones[i % len(zones)]  # round-robin: every zone gets the same number of nodes
        nodes.append({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "annotations": {"kwok.x-k8s.io/node": "fake",
                                "node.alpha.kubernetes.io/ttl": "0"},
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "node.kubernetes.io/instance-type": size.instance_type,
                    "topology.kubernetes.io/region": REGION,
                    "topology.kubernetes.io/zone": zone,
                    "type": "kwok",
                },
            },
            "spec": {},
            "status": {
                "capacity": {"cpu": size.cpu, "memory": size.memory, "pods": size.pods,
                             "ephemeral-storage": size.ephemeral_storage},
                "allocatable": {"cpu": size.allocatable_cpu,
                                "memory": size.allocatable_memory, "pods": size.pods,
                                "ephemeral-storage": size.ephemeral_storage},
            },
        })
    return nodes
