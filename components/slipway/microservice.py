"""Microservice: one service spec in, a hardened Kubernetes workload out.

Creates, all parented to the component: ServiceAccount, ConfigMap (plain config), Secret or
ExternalSecret (secret values), an optional migration Job the rollout waits for, Deployment,
Service, HorizontalPodAutoscaler (when min < max), PodDisruptionBudget (when min > 1) and a
NetworkPolicy built from the call graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from . import availability, labels, network_policy, service_mesh, service_monitoring, workload
from .environment import Environment, SecretStoreRef
from .network_policy import Peer
from .spec.model import ServiceSpec

TYPE_TOKEN = "slipway:index:Microservice"
CHANGE_CAUSE = "kubernetes.io/change-cause"
EXTERNAL_SECRETS_API = "external-secrets.io/v1"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"


@dataclass(frozen=True)
class MicroserviceArgs:
    """Everything a Microservice needs; only `spec`, `environment` and `namespace` are required."""

    spec: ServiceSpec
    """The service as its team describes it, with the environment's overrides already merged
    (`slipway.spec.load_file(path, environment=...)` does that)."""
    environment: Environment
    """Environment defaults: rollout pace, spread rules, gateway/monitoring/DNS peers, UID."""
    namespace: pulumi.Input[str]
    """Namespace to create everything in (the program owns the Namespace itself)."""
    callers: Sequence[str] = ()
    """Services allowed to call this one. Default none: only the gateway (when public) and
    monitoring may connect."""
    calls: Sequence[Peer] = ()
    """The services in `spec.calls`, with the ports their pods listen on; one per name."""
    secret_values: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Values for `spec.secrets`, from stack secrets. Required for every name unless
    `secret_store` is set. Wrapped as Pulumi secrets, so they never show in outputs or state."""
    secret_store: SecretStoreRef | None = None
    """When set, an ExternalSecret reads values from this store instead, and no secret value
    passes through Pulumi at all. Default None: a Kubernetes Secret from `secret_values`."""
    iam_role_arn: pulumi.Input[str] | None = None
    """IAM role (IRSA, on EKS) the pods assume: set as the ServiceAccount's
    `eks.amazonaws.com/role-arn` annotation. Default None: no AWS identity."""


def _check(args: MicroserviceArgs) -> None:
    """Refuse inconsistent arguments before anything is registered."""
    spec = args.spec
    peers = {peer.name for peer in args.calls}
    if peers != set(spec.calls):
        missing = sorted(set(spec.calls) - peers)
        extra = sorted(peers - set(spec.calls))
        raise ValueError(
            f"{spec.name}: calls: args.calls must give a port for each of spec.calls "
            f"(missing: {missing or 'none'}, not in spec.calls: {extra or 'none'})"
        )
    if args.secret_store is None:
        missing = [name for name in spec.secrets if name not in args.secret_values]
        if missing:
            raise ValueError(
                f"{spec.name}: secrets: no value for {', '.join(missing)}; set it with "
                f"`pulumi config set --secret --path 'secretValues.{spec.name}.{missing[0]}'` "
                "or use a secret store"
            )
    unknown = sorted(set(args.secret_values) - set(spec.secrets))
    if unknown:
        raise ValueError(
            f"{spec.name}: secrets: values given for names the spec does not declare: "
            f"{', '.join(unknown)} (declared: {', '.join(spec.secrets) or 'none'})"
        )


class Microservice(pulumi.ComponentResource):
    """A hardened Kubernetes workload for one service spec."""

    deployment_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    url: pulumi.Output[str]
    image: pulumi.Output[str]
    version: pulumi.Output[str]

    def __init__(self, name: str, args: MicroserviceArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        _check(args)
        super().__init__(TYPE_TOKEN, name, None, opts)
        spec, env = args.spec, args.environment
        self._name = name
        self._args = args
        namespace = args.namespace
        self.resource_names: dict[str, str] = {}

        account = self._service_account(namespace)
        config_map = self._config_map(namespace)
        secret_name, secret = self._secret(namespace)
        migration = self._migration_job(namespace, account, config_map, secret_name)
        # The rollout waits for its secret and, when there is one, the migration.
        waits_for: list[pulumi.Resource] = [r for r in (secret, migration) if r is not None]
        deployment = self._deployment(namespace, account, config_map, secret_name, waits_for)
        service = self._service(namespace)
        if spec.scaling.autoscaled:
            self._autoscaler(namespace, deployment)
        if spec.wants_pdb:
            self._disruption_budget(namespace, deployment)
        self._network_policy(namespace)
        self.resource_names.update(
            service_monitoring.create(self, spec, env, namespace, resource_name=name))
        self.resource_names.update(service_mesh.create(
            self, spec, env, namespace, args.callers, resource_name=name))

        self.deployment_name = deployment.metadata.apply(lambda m: m["name"])
        self.service_name = service.metadata.apply(lambda m: m["name"])
        self.namespace = pulumi.Output.from_input(namespace)
        self.url = pulumi.Output.concat(
            "http://", spec.name, ".", self.namespace, ".svc.cluster.local"
        )
        self.image = pulumi.Output.from_input(spec.image)
        self.version = pulumi.Output.from_input(spec.version)
        self.register_outputs({
            "deploymentName": self.deployment_name,
            "serviceName": self.service_name,
            "namespace": self.namespace,
            "url": self.url,
            "image": self.image,
            "version": self.version,
            "resourceNames": self.resource_names,
            "environment": env.name,
        })

    # -- children ---------------------------------------------------------------------------

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _metadata(self, namespace: pulumi.Input[str], kind: str, name: str,
                  annotations: Mapping[str, str] | None = None,
                  component: str = labels.SERVER) -> dict[str, Any]:
        """Object metadata with standard labels; records the name under `kind` for outputs."""
        spec, env = self._args.spec, self._args.environment
        self.resource_names[kind] = name
        metadata: dict[str, Any] = {
            "name": name,
            "namespace": namespace,
            "labels": labels.standard_labels(spec.name, env.name, spec.version, component,
                                             spec.team),
        }
        if annotations:
            metadata["annotations"] = dict(annotations)
        return metadata

    def _service_account(self, namespace: pulumi.Input[str]) -> k8s.core.v1.ServiceAccount:
        spec = self._args.spec
        metadata = self._metadata(namespace, "serviceAccount", spec.name)
        if self._args.iam_role_arn is not None:
            metadata["annotations"] = {IRSA_ANNOTATION: self._args.iam_role_arn}
        return k8s.core.v1.ServiceAccount(
            f"{self._name}-sa",
            metadata=metadata,
            automount_service_account_token=spec.service_account.automount_token,
            opts=self._opts(),
        )

    def _config_map(self, namespace: pulumi.Input[str]) -> k8s.core.v1.ConfigMap | None:
        data = workload.config_data(self._args.spec)
        if not data:
            return None
        return k8s.core.v1.ConfigMap(
            f"{self._name}-config",
            metadata=self._metadata(namespace, "configMap", f"{self._args.spec.name}-config"),
            data=data,
            opts=self._opts(),
        )

    def _secret(self, namespace: pulumi.Input[str]) -> tuple[str, pulumi.CustomResource | None]:
        """Create the Secret (or ExternalSecret); return the Kubernetes Secret's name and it."""
        spec, store = self._args.spec, self._args.secret_store
        name = f"{spec.name}-secrets"
        if not spec.secrets:
            return name, None
        if store is not None:
            external = k8s.apiextensions.CustomResource(
                f"{self._name}-external-secret",
                api_version=EXTERNAL_SECRETS_API,
                kind="ExternalSecret",
                metadata=self._metadata(namespace, "externalSecret", name),
                spec={
                    "refreshInterval": store.refresh_interval,
                    "secretStoreRef": {"kind": store.kind, "name": store.name},
                    "target": {"name": name, "creationPolicy": "Owner"},
                    "data": [
                        {"secretKey": key,
                         "remoteRef": {"key": f"{store.key_prefix}/{spec.name}", "property": key}}
                        for key in spec.secrets
                    ],
                },
                opts=self._opts(),
            )
            return name, external
        secret = k8s.core.v1.Secret(
            f"{self._name}-secret",
            metadata=self._metadata(namespace, "secret", name),
            type="Opaque",
            string_data={
                key: pulumi.Output.secret(self._args.secret_values[key]) for key in spec.secrets
            },
            opts=self._opts(additional_secret_outputs=["data", "stringData"]),
        )
        return name, secret

    def _migration_job(self, namespace: pulumi.Input[str], account: k8s.core.v1.ServiceAccount,
                       config_map: k8s.core.v1.ConfigMap | None,
                       secret_name: str) -> k8s.batch.v1.Job | None:
        spec, env = self._args.spec, self._args.environment
        migration = spec.migration
        if migration is None:
            return None
        # A Job's pod template is immutable: one Job per version, so a release runs its own.
        job_name = f"{spec.name}-migrate-{spec.version}".replace(".", "-").replace("+", "-")
        job_name = job_name.lower()[:63].rstrip("-")
        container = {
            **workload.server_container(
                spec, config_map.metadata["name"] if config_map else None, secret_name
            ),
            "name": workload.MIGRATION_CONTAINER,
            "image": migration.image,
            "command": migration.command,
            "args": migration.args,
            "ports": None,
            "readiness_probe": None,
            "liveness_probe": None,
            "startup_probe": None,
            "lifecycle": None,
        }
        pod_labels = labels.standard_labels(spec.name, env.name, spec.version, labels.MIGRATION,
                                            spec.team)
        pod_metadata: dict[str, Any] = {"labels": pod_labels}
        signature = workload.signature_annotations(workload.MIGRATION_CONTAINER,
                                                   migration.signature)
        if signature:
            pod_metadata["annotations"] = signature
        return k8s.batch.v1.Job(
            f"{self._name}-migration",
            metadata=self._metadata(namespace, "migrationJob", job_name,
                                    component=labels.MIGRATION),
            spec={
                "backoff_limit": migration.backoff_limit,
                "active_deadline_seconds": migration.timeout_seconds,
                "template": {
                    "metadata": pod_metadata,
                    "spec": workload.pod_spec(
                        spec, env, account.metadata["name"], [container],
                        restart_policy="Never", spread=False,
                    ),
                },
            },
            opts=self._opts(),
        )

    def _deployment(self, namespace: pulumi.Input[str], account: k8s.core.v1.ServiceAccount,
                    config_map: k8s.core.v1.ConfigMap | None, secret_name: str,
                    waits_for: list[pulumi.Resource]) -> k8s.apps.v1.Deployment:
        spec, env = self._args.spec, self._args.environment
        config_map_name = config_map.metadata["name"] if config_map else None
        pod_annotations = {
            workload.CONFIG_HASH_ANNOTATION: workload.config_hash(workload.config_data(spec)),
            **workload.signature_annotations(spec.name, spec.signature),
        }
        release = spec.release
        deployment_spec: dict[str, Any] = {
            "selector": {"match_labels": labels.server_selector(spec.name, env.name)},
            "revision_history_limit": env.revision_history_limit,
            "strategy": {
                "type": "RollingUpdate",
                "rolling_update": {
                    "max_surge": release.max_surge if release.max_surge is not None
                    else env.max_surge,
                    "max_unavailable": release.max_unavailable
                    if release.max_unavailable is not None else env.max_unavailable,
                },
            },
            "template": {
                "metadata": {
                    "labels": labels.standard_labels(
                        spec.name, env.name, spec.version, labels.SERVER, spec.team
                    ),
                    "annotations": pod_annotations,
                },
                "spec": workload.pod_spec(
                    spec, env, account.metadata["name"],
                    [workload.server_container(spec, config_map_name, secret_name)],
                ),
            },
        }
        # An autoscaler owns the replica count; setting it here would reset the scale on
        # every `pulumi up`.
        if not spec.scaling.autoscaled:
            deployment_spec["replicas"] = spec.scaling.min
        commit = spec.commit[:12] if spec.commit else "unknown"
        return k8s.apps.v1.Deployment(
            f"{self._name}-deployment",
            metadata=self._metadata(
                namespace, "deployment", spec.name,
                {CHANGE_CAUSE: f"{spec.name} {spec.version} (commit {commit})"},
            ),
            spec=deployment_spec,
            opts=self._opts(depends_on=waits_for),
        )

    def _service(self, namespace: pulumi.Input[str]) -> k8s.core.v1.Service:
        spec, env = self._args.spec, self._args.environment
        return k8s.core.v1.Service(
            f"{self._name}-service",
            metadata=self._metadata(namespace, "service", spec.name),
            spec={
                "type": "ClusterIP",
                "selector": labels.server_selector(spec.name, env.name),
                "ports": [{"name": "http", "port": 80, "target_port": "http",
                           "protocol": "TCP"}],
            },
            opts=self._opts(),
        )

    def _autoscaler(self, namespace: pulumi.Input[str],
                    deployment: k8s.apps.v1.Deployment) -> None:
        spec = self._args.spec
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{self._name}-hpa",
            metadata=self._metadata(namespace, "horizontalPodAutoscaler", spec.name),
            spec=availability.hpa_spec(spec, spec.name),
            opts=self._opts(depends_on=[deployment]),
        )

    def _disruption_budget(self, namespace: pulumi.Input[str],
                           deployment: k8s.apps.v1.Deployment) -> None:
        spec, env = self._args.spec, self._args.environment
        k8s.policy.v1.PodDisruptionBudget(
            f"{self._name}-pdb",
            metadata=self._metadata(namespace, "podDisruptionBudget", spec.name),
            spec=availability.pdb_spec(spec, env),
            opts=self._opts(depends_on=[deployment]),
        )

    def _network_policy(self, namespace: pulumi.Input[str]) -> None:
        spec, env = self._args.spec, self._args.environment
        k8s.networking.v1.NetworkPolicy(
            f"{self._name}-netpol",
            metadata=self._metadata(namespace, "networkPolicy", spec.name),
            spec=network_policy.policy_spec(spec, env, self._args.callers, self._args.calls),
            opts=self._opts(),
        )
