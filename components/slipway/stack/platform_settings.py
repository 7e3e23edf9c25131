"""Stack settings for the in-cluster platform: the `slipway:platform` key of Pulumi.<stack>.yaml.

Validated with the rest of the stack settings (`StackSettings.platform`), so a bad value reads
`Pulumi.prod.yaml: slipway:platform.<field>: ...` before anything is registered. Example:

    slipway:platform:
      charts: install            # or skip: no Helm release (rendered or offline stacks)
      mesh: {enabled: true, istioVersion: 1.27.3}
      gateway: {issuer: {name: letsencrypt, kind: ClusterIssuer}}
      observability: {enabled: true, kubePrometheusStackVersion: 75.15.0}
      externalSecrets: {enabled: true, region: eu-west-1, roleArn: arn:aws:iam::...}
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Literal

import pulumi
from pydantic import AfterValidator, Field, model_validator

from ..environment import Environment, SecretStoreRef
from ..platform import charts as helm
from ..platform.external_secrets import REGION, ExternalSecretsArgs
from ..platform.gateway import GatewayArgs, IssuerRef, PublicHost
from ..platform.kubernetes_platform import KubernetesPlatformArgs, check
from ..platform.mesh import MeshArgs
from ..platform.observability import ObservabilityArgs
from ..spec.errors import SpecError
from ..spec.validation import DNS_LABEL, FieldError, SpecModel
from .defaults import default_of, given, left_out

ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[\w+=,.@/-]+$")


def _exact(value: str) -> str:
    if not helm.EXACT_VERSION.match(value):
        raise ValueError(f"must be an exact chart version such as 1.27.3; a range or tag would "
                         f"let an unreviewed chart in (got {value!r})")
    return value


def _region(value: str) -> str:
    if not REGION.match(value):
        raise ValueError(f"must be an AWS region such as eu-west-1 (got {value!r})")
    return value


def _role_arn(value: str) -> str:
    if not ROLE_ARN.match(value):
        raise ValueError(f"must be an IAM role ARN such as arn:aws:iam::123456789012:role/name "
                         f"(got {value!r})")
    return value


def _retention(value: str) -> str:
    if not re.match(r"^[1-9][0-9]*(h|d|w)$", value):
        raise ValueError(f"must be a duration in hours, days or weeks such as 15d, 72h or 2w "
                         f"(got {value!r})")
    return value


def _endpoint(value: str) -> str:
    if not re.match(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:[0-9]{1,5}$", value):
        raise ValueError(f"must be host:port such as tempo.tracing:4317, without a scheme "
                         f"(got {value!r})")
    return value


ExactVersion = Annotated[str, AfterValidator(_exact)]


class MeshSettings(SpecModel):
    enabled: bool = Field(default=True, description="Install Istio and give every service "
                          "mesh resources. Default true.")
    istio_version: ExactVersion | None = Field(
        default=None, description="Exact Istio chart version. "
        + left_out(MeshArgs, "istio_version"))
    system_namespace: str | None = Field(default=None, pattern=DNS_LABEL,
                                         description=left_out(MeshArgs, "system_namespace"))
    gateway_replicas: int | None = Field(default=None, ge=1, le=100,
                                         description=left_out(MeshArgs, "gateway_replicas"))


class IssuerSettings(SpecModel):
    name: str | None = Field(default=None, pattern=DNS_LABEL,
                             description=left_out(IssuerRef, "name"))
    kind: Literal["ClusterIssuer", "Issuer"] | None = Field(
        default=None, description=left_out(IssuerRef, "kind"))


class GatewaySettings(SpecModel):
    enabled: bool = Field(default=True, description="Create the Gateway. Default true.")
    class_name: str | None = Field(default=None, pattern=DNS_LABEL,
                                   description="GatewayClass. "
                                   + left_out(GatewayArgs, "gateway_class"))
    issuer: IssuerSettings = Field(default_factory=IssuerSettings)
    redirect_http: bool | None = Field(default=None,
                                       description=left_out(GatewayArgs, "redirect_http"))
    crds: bool | None = Field(default=None, description="Create the vendored Gateway API "
                              "CRDs. " + left_out(GatewayArgs, "crds"))
    cert_manager: bool | None = Field(default=None, description="Install cert-manager. "
                                      + left_out(GatewayArgs, "cert_manager"))
    cert_manager_version: ExactVersion | None = Field(
        default=None, description=left_out(GatewayArgs, "cert_manager_version"))


class ObservabilitySettings(SpecModel):
    enabled: bool = Field(default=True, description="Install the Prometheus stack and give "
                          "every service a ServiceMonitor, SLO rules and a dashboard.")
    kube_prometheus_stack_version: ExactVersion | None = Field(
        default=None, description=left_out(ObservabilityArgs, "kube_prometheus_stack_version"))
    opentelemetry_collector_version: ExactVersion | None = Field(
        default=None,
        description=left_out(ObservabilityArgs, "opentelemetry_collector_version"))
    retention: Annotated[str, AfterValidator(_retention)] | None = Field(
        default=None, description="How long Prometheus keeps samples. "
        + left_out(ObservabilityArgs, "retention"))
    traces_endpoint: Annotated[str, AfterValidator(_endpoint)] | None = None
    blackbox_exporter: Annotated[str, AfterValidator(_endpoint)] | None = Field(
        default=None, description="host:port of the blackbox exporter that runs the synthetic "
        "checks of public services. " + left_out(Environment, "blackbox_exporter"))


class ExternalSecretsSettings(SpecModel):
    enabled: bool = Field(default=False, description="Install External Secrets Operator and "
                          "an AWS Secrets Manager ClusterSecretStore. Default false.")
    region: Annotated[str, AfterValidator(_region)] | None = None
    role_arn: Annotated[str, AfterValidator(_role_arn)] | None = Field(
        default=None,
        description="IAM role for the operator. Left out: the AWS platform's output is used.")
    store_name: str | None = Field(default=None, pattern=DNS_LABEL,
                                   description=left_out(ExternalSecretsArgs, "store_name"))
    chart_version: ExactVersion | None = Field(
        default=None, description=left_out(ExternalSecretsArgs, "chart_version"))

    @model_validator(mode="after")
    def _region_when_enabled(self) -> ExternalSecretsSettings:
        if self.enabled and self.region is None:
            raise FieldError("region", "is required when externalSecrets.enabled is true "
                             "(e.g. eu-west-1)")
        return self

    @property
    def effective_store_name(self) -> str:
        """The store the platform creates: this setting, or the component's default."""
        return str(self.store_name if self.store_name is not None
                   else default_of(ExternalSecretsArgs, "store_name"))


class PlatformSettings(SpecModel):
    charts: Literal["install", "skip"] | None = Field(
        default=None,
        description="install: pinned Helm releases; skip: no release (rendered or offline "
        "stacks; see docs/prod-platform-kubernetes.md). " + left_out(MeshArgs, "charts"),
    )
    mesh: MeshSettings = Field(default_factory=MeshSettings)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)
    observability: ObservabilitySettings = Field(default_factory=ObservabilitySettings)
    external_secrets: ExternalSecretsSettings = Field(default_factory=ExternalSecretsSettings)

    def check(self, environment: Environment, hosts: Sequence[PublicHost], *,
              secret_store: SecretStoreRef | None = None, source: str = "Pulumi.<stack>.yaml",
              role_from_aws: bool = False) -> None:
        """Every platform refusal, before anything (AWS included) is registered. With
        `role_from_aws`, the operator role is the AWS platform's output: not known yet, so
        nothing about it is checked beyond its being provided."""
        self._operator_role(None if role_from_aws else self.external_secrets.role_arn,
                            role_from_aws=role_from_aws, source=source)
        # External Secrets has nothing to agree on with the environment: checked without it.
        check(self._args(environment, hosts, secret_store=secret_store, external=None))

    def to_args(self, environment: Environment, hosts: Sequence[PublicHost], *,
                role_arn: pulumi.Input[str] | None = None,
                secret_store: SecretStoreRef | None = None,
                source: str = "Pulumi.<stack>.yaml") -> KubernetesPlatformArgs:
        """Typed component args. `role_arn` (the AWS platform's output) wins over roleArn."""
        external = self.external_secrets
        external_args = None
        if external.enabled:
            arn = self._operator_role(role_arn if role_arn is not None else external.role_arn,
                                      role_from_aws=False, source=source)
            assert arn is not None and external.region is not None  # checked just above
            external_args = ExternalSecretsArgs(
                region=external.region, role_arn=arn,
                **given(charts=self.charts, store_name=external.store_name,
                        chart_version=external.chart_version))
        return self._args(environment, hosts, secret_store=secret_store, external=external_args)

    def _operator_role(self, role_arn: pulumi.Input[str] | None, *, role_from_aws: bool,
                       source: str) -> pulumi.Input[str] | None:
        if self.external_secrets.enabled and role_arn is None and not role_from_aws:
            raise SpecError([
                f"{source}: slipway:platform.externalSecrets.roleArn: is required when "
                "the AWS platform does not provide the operator's role"])
        return role_arn

    def _args(self, environment: Environment, hosts: Sequence[PublicHost], *,
              secret_store: SecretStoreRef | None,
              external: ExternalSecretsArgs | None) -> KubernetesPlatformArgs:
        # Settings left out (None) are not passed: each component's Args default applies.
        env = environment
        mesh = self.mesh
        mesh_args = MeshArgs(
            gateway_namespace=env.gateway.namespace, gateway_labels=dict(env.gateway.pod_labels),
            **given(charts=self.charts, istio_version=mesh.istio_version,
                    system_namespace=mesh.system_namespace,
                    gateway_replicas=mesh.gateway_replicas),
        ) if mesh.enabled else None
        gateway = self.gateway
        gateway_args = GatewayArgs(
            hosts=list(hosts), route_namespaces=[env.namespace], name=env.gateway_name,
            namespace=env.gateway.namespace,
            address=mesh_args.gateway_service_host if mesh_args is not None else None,
            gateway_labels=dict(env.gateway.pod_labels),
            issuer=IssuerRef(**given(name=gateway.issuer.name, kind=gateway.issuer.kind)),
            **given(gateway_class=gateway.class_name, redirect_http=gateway.redirect_http,
                    crds=gateway.crds, cert_manager=gateway.cert_manager, charts=self.charts,
                    cert_manager_version=gateway.cert_manager_version),
        ) if gateway.enabled else None
        obs = self.observability
        observability_args = ObservabilityArgs(
            namespace=env.monitoring.namespace, mesh=mesh.enabled,
            traces_endpoint=obs.traces_endpoint, admin_secret_store=secret_store,
            **given(charts=self.charts,
                    kube_prometheus_stack_version=obs.kube_prometheus_stack_version,
                    opentelemetry_collector_version=obs.opentelemetry_collector_version,
                    retention=obs.retention),
        ) if obs.enabled else None
        return KubernetesPlatformArgs(environment=env, mesh=mesh_args, gateway=gateway_args,
                                      observability=observability_args,
                                      external_secrets=external)
