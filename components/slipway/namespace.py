"""ServiceNamespace: the one namespace an environment's services share, owned by the program.

Pod Security Admission enforces the `restricted` profile, and a namespace-wide default-deny
NetworkPolicy means a pod no service policy selects can talk to nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from . import labels

TYPE_TOKEN = "slipway:index:ServiceNamespace"


@dataclass(frozen=True)
class ServiceNamespaceArgs:
    """What a ServiceNamespace needs; only `name` and `environment` are required."""

    name: str
    """Namespace name, e.g. slipway-dev or pr-42."""
    environment: str
    """Environment label value (dev, prod, pr-N)."""
    pod_security: str = "restricted"
    """Pod Security Admission profile enforced. Default restricted (the strictest)."""
    extra_labels: dict[str, str] = field(default_factory=dict)
    """More namespace labels, e.g. a PR number and expiry for preview stacks."""


class ServiceNamespace(pulumi.ComponentResource):
    """The namespace an environment's services share: Pod Security Admission enforcing
    `pod_security`, and a default-deny NetworkPolicy."""

    name: pulumi.Output[str]

    def __init__(self, name: str, args: ServiceNamespaceArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        profile = args.pod_security
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={
                "name": args.name,
                "labels": {
                    labels.PART_OF: "slipway",
                    labels.MANAGED_BY: "pulumi",
                    labels.ENVIRONMENT: args.environment,
                    "pod-security.kubernetes.io/enforce": profile,
                    "pod-security.kubernetes.io/audit": profile,
                    "pod-security.kubernetes.io/warn": profile,
                    **args.extra_labels,
                },
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.name = namespace.metadata.apply(lambda m: m["name"])
        k8s.networking.v1.NetworkPolicy(
            f"{name}-default-deny",
            metadata={"name": "default-deny", "namespace": self.name,
                      "labels": {labels.PART_OF: "slipway", labels.MANAGED_BY: "pulumi"}},
            spec={"pod_selector": {}, "policy_types": ["Ingress", "Egress"]},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"name": self.name})
