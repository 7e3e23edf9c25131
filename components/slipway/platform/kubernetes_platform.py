"""KubernetesPlatform: the in-cluster platform services run on, composed from typed args.

Mesh (Istio, mTLS STRICT), Gateway (Gateway API, TLS, rate limits), Observability
(kube-prometheus-stack, OpenTelemetry collector) and External Secrets (AWS Secrets Manager),
each optional. Its Environment must agree with what is installed: services get Istio
resources only when the mesh exists, monitoring resources only when Prometheus does.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pulumi

from ..environment import Environment
from .external_secrets import ExternalSecrets, ExternalSecretsArgs
from .gateway import Gateway, GatewayArgs
from .mesh import Mesh, MeshArgs
from .observability import Observability, ObservabilityArgs

TYPE_TOKEN = "slipway:platform:KubernetesPlatform"


@dataclass(frozen=True)
class KubernetesPlatformArgs:
    """What to install; each part left as None is not installed."""

    environment: Environment
    """The environment the services run in: its gateway and monitoring peers, gateway name
    and mesh/observability switches must match the parts below."""
    mesh: MeshArgs | None = None
    """Istio. Default None: no mesh (then `environment.mesh` must be off)."""
    gateway: GatewayArgs | None = None
    """The public Gateway. Default None: no Gateway, CRDs or certificates."""
    observability: ObservabilityArgs | None = None
    """Prometheus stack and collector. Default None (then `environment.observability` must
    be off)."""
    external_secrets: ExternalSecretsArgs | None = None
    """External Secrets Operator and the AWS Secrets Manager store. Default None."""


def check(args: KubernetesPlatformArgs) -> None:
    """Refuse a platform that disagrees with its environment, before anything is registered."""
    env = args.environment
    problems = []
    if env.mesh != (args.mesh is not None):
        problems.append(
            f"environment.mesh is {env.mesh} but the mesh is "
            f"{'not ' if args.mesh is None else ''}installed: services would "
            f"{'get Istio resources with no Istio' if env.mesh else 'run outside the mesh'}")
    if env.observability != (args.observability is not None):
        problems.append(
            f"environment.observability is {env.observability} but observability is "
            f"{'not ' if args.observability is None else ''}installed")
    if args.mesh is not None and args.mesh.gateway_namespace != env.gateway.namespace:
        problems.append(f"mesh.gateway_namespace ({args.mesh.gateway_namespace}) must be "
                        f"environment.gateway.namespace ({env.gateway.namespace})")
    if args.mesh is not None and dict(args.mesh.gateway_labels) != env.gateway.pod_labels:
        problems.append(f"mesh.gateway_labels ({dict(args.mesh.gateway_labels)}) must be "
                        f"environment.gateway.pod_labels ({env.gateway.pod_labels})")
    if args.gateway is not None:
        if args.gateway.namespace != env.gateway.namespace:
            problems.append(f"gateway.namespace ({args.gateway.namespace}) must be "
                            f"environment.gateway.namespace ({env.gateway.namespace})")
        if args.gateway.name != env.gateway_name:
            problems.append(f"gateway.name ({args.gateway.name}) must be "
                            f"environment.gateway_name ({env.gateway_name})")
    if args.observability is not None and \
            args.observability.namespace != env.monitoring.namespace:
        problems.append(f"observability.namespace ({args.observability.namespace}) must be "
                        f"environment.monitoring.namespace ({env.monitoring.namespace})")
    if args.observability is not None and args.observability.mesh != env.mesh:
        problems.append(f"observability.mesh ({args.observability.mesh}) must be "
                        f"environment.mesh ({env.mesh}): Prometheus scrapes through mTLS "
                        "exactly when the mesh is on")
    if problems:
        raise ValueError("kubernetes platform: " + "; ".join(problems))


class KubernetesPlatform(pulumi.ComponentResource):
    """Mesh, Gateway, Observability and External Secrets for one cluster."""

    skipped_charts: list[str]

    def __init__(self, name: str, args: KubernetesPlatformArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        check(args)
        super().__init__(TYPE_TOKEN, name, None, opts)
        env = args.environment
        skipped: list[str] = []
        mesh = None
        if args.mesh is not None:
            mesh = Mesh(f"{name}-mesh", args.mesh, pulumi.ResourceOptions(parent=self))
            skipped += mesh.skipped_charts
        external_secrets = None
        if args.external_secrets is not None:
            external_secrets = ExternalSecrets(f"{name}-external-secrets", args.external_secrets,
                                               pulumi.ResourceOptions(parent=self))
            skipped += external_secrets.skipped_charts
        gateway = None
        if args.gateway is not None:
            gateway_args = args.gateway
            if mesh is None and not gateway_args.create_namespace:
                # Without the mesh nobody else creates the gateway's namespace.
                gateway_args = dataclasses.replace(gateway_args, create_namespace=True)
            gateway = Gateway(f"{name}-gateway", gateway_args, pulumi.ResourceOptions(
                parent=self, depends_on=[mesh] if mesh is not None else []))
            skipped += gateway.skipped_charts
        observability = None
        if args.observability is not None:
            observability = Observability(
                f"{name}-observability", args.observability, pulumi.ResourceOptions(
                    parent=self,
                    depends_on=[r for r in (mesh, external_secrets) if r is not None]))
            skipped += observability.skipped_charts
        self.skipped_charts = skipped
        self.register_outputs({
            "mesh": mesh is not None,
            "gatewayName": gateway.gateway_name if gateway is not None else None,
            "monitoringNamespace": observability.namespace if observability else None,
            "secretStore": external_secrets.store_name if external_secrets else None,
            "environment": env.name,
            "skippedCharts": skipped,
            "chartsNote": (
                "charts skipped (charts: skip): no Helm release was created for "
                + ", ".join(skipped) + "; install them with charts: install"
            ) if skipped else "every chart is installed as a pinned Helm release",
        })
