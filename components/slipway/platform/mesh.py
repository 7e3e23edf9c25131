"""Mesh: Istio (base, CNI, istiod, ingress gateway) through pinned Helm charts, mTLS STRICT.

Creates, all parented to the component:
- namespaces: the Istio system namespace (privileged: the CNI node agent edits pod networking)
  and the gateway namespace (baseline);
- Helm releases (unless charts are skipped, see slipway.platform.charts): `base` (CRDs),
  `cni` (so service pods need no NET_ADMIN init container and keep the `restricted` Pod
  Security profile), `istiod`, and `gateway` (the ingress gateway Deployment and its
  LoadBalancer Service, which the Gateway API Gateway binds to);
- a mesh-wide PeerAuthentication `default` in the system namespace: mTLS STRICT, so no
  workload in the mesh accepts plain-text traffic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from ..spec.validation import DNS_LABEL
from . import charts as helm
from .charts import ChartMode
from .namespaces import platform_namespace

TYPE_TOKEN = "slipway:platform:Mesh"
SECURITY_API = "security.istio.io/v1"
GATEWAY_RELEASE = "istio-ingressgateway"

AWS_NLB_ANNOTATIONS: Mapping[str, str] = {
    "service.beta.kubernetes.io/aws-load-balancer-type": "external",
    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
}

# Istio's own labels on its ingress gateway pods (the gateway chart's defaults).
INGRESS_GATEWAY_LABELS = {"istio": "ingressgateway"}

@dataclass(frozen=True)
class MeshArgs:
    """Istio for one cluster."""

    charts: ChartMode = "install"
    """install: Helm releases; skip: none (rendered or offline stacks). Default install."""
    istio_version: str = helm.ISTIO_VERSION
    """Exact Istio chart version for base, cni, istiod and gateway. Default 1.27.3."""
    system_namespace: str = "istio-system"
    """Namespace of istiod, the CNI agent and the mesh-wide PeerAuthentication."""
    gateway_namespace: str = "istio-ingress"
    """Namespace of the ingress gateway (the Environment's `gateway.namespace`)."""
    gateway_labels: Mapping[str, str] = field(
        default_factory=lambda: dict(INGRESS_GATEWAY_LABELS))
    """Pod labels of the ingress gateway (the Environment's `gateway.pod_labels`), which
    NetworkPolicies and rate limits select. Default INGRESS_GATEWAY_LABELS."""
    gateway_replicas: int = 2
    """Minimum ingress gateway replicas (it autoscales above). Default 2: survive a node."""
    load_balancer_annotations: Mapping[str, str] = field(
        default_factory=lambda: dict(AWS_NLB_ANNOTATIONS))
    """Annotations of the gateway's LoadBalancer Service. Default: an internet-facing AWS
    NLB targeting pod IPs (AWS Load Balancer Controller)."""

    def __post_init__(self) -> None:
        helm.Chart("istio", self.istio_version, helm.ISTIO_REPOSITORY)  # exact version
        for what, value in (("system_namespace", self.system_namespace),
                            ("gateway_namespace", self.gateway_namespace)):
            if not re.match(DNS_LABEL, value):
                raise ValueError(f"mesh: {what} must be a DNS label (got {value!r})")
        if self.system_namespace == self.gateway_namespace:
            raise ValueError(
                "mesh: gateway_namespace must differ from system_namespace (got "
                f"{self.gateway_namespace!r} for both): the gateway is exposed to the internet"
            )
        if self.gateway_replicas < 1:
            raise ValueError(f"mesh: gateway_replicas must be >= 1 (got {self.gateway_replicas})")

    @property
    def gateway_service_host(self) -> str:
        """In-cluster DNS name of the gateway's Service (what the Gateway binds to)."""
        return f"{GATEWAY_RELEASE}.{self.gateway_namespace}.svc.cluster.local"


def istiod_values() -> dict[str, object]:
    return {
        "pilot": {"cni": {"enabled": True}, "autoscaleMin": 2},
        "meshConfig": {
            "accessLogFile": "/dev/stdout",
            # The app starts only once its sidecar can carry traffic.
            "defaultConfig": {"holdApplicationUntilProxyStarts": True},
        },
    }


def gateway_values(args: MeshArgs) -> dict[str, object]:
    return {
        "labels": dict(args.gateway_labels),
        "autoscaling": {"enabled": True, "minReplicas": args.gateway_replicas},
        "service": {"type": "LoadBalancer",
                    "annotations": dict(args.load_balancer_annotations)},
    }


def peer_authentication_spec() -> dict[str, object]:
    return {"mtls": {"mode": "STRICT"}}


class Mesh(pulumi.ComponentResource):
    """Istio with STRICT mTLS."""

    system_namespace: pulumi.Output[str]
    gateway_namespace: pulumi.Output[str]
    skipped_charts: list[str]

    def __init__(self, name: str, args: MeshArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        system = platform_namespace(f"{name}-system-namespace", args.system_namespace,
                                    "privileged", self)
        ingress = platform_namespace(f"{name}-gateway-namespace", args.gateway_namespace,
                                     "baseline", self)
        self.system_namespace = system.metadata.apply(lambda m: m["name"])
        self.gateway_namespace = ingress.metadata.apply(lambda m: m["name"])
        version = args.istio_version
        mode = args.charts
        base = helm.release(f"{name}-base", helm.ISTIO_BASE.at(version),
                              self.system_namespace, {"defaultRevision": "default"}, mode,
                              parent=self)
        after_base = [base] if base is not None else []
        cni = helm.release(f"{name}-cni", helm.ISTIO_CNI.at(version), self.system_namespace,
                             {}, mode, parent=self, depends_on=after_base)
        istiod = helm.release(f"{name}-istiod", helm.ISTIOD.at(version),
                                self.system_namespace, istiod_values(), mode, parent=self,
                                depends_on=[r for r in (base, cni) if r is not None])
        helm.release(GATEWAY_RELEASE, helm.ISTIO_GATEWAY.at(version),
                       self.gateway_namespace, gateway_values(args), mode, parent=self,
                       depends_on=[istiod] if istiod is not None else [])
        k8s.apiextensions.CustomResource(
            f"{name}-mtls-strict",
            api_version=SECURITY_API,
            kind="PeerAuthentication",
            metadata={"name": "default", "namespace": self.system_namespace},
            spec=peer_authentication_spec(),
            opts=pulumi.ResourceOptions(parent=self, depends_on=after_base),
        )
        self.skipped_charts = helm.skipped(
            mode, *(c.at(version) for c in (helm.ISTIO_BASE, helm.ISTIO_CNI, helm.ISTIOD,
                                             helm.ISTIO_GATEWAY)))
        self.register_outputs({
            "systemNamespace": self.system_namespace,
            "gatewayNamespace": self.gateway_namespace,
            "istioVersion": version,
            "skippedCharts": self.skipped_charts,
        })
