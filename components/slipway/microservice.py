"""Microservice: one service spec in, a hardened Kubernetes workload out.

Creates, all parented to the component: ServiceAccount, ConfigMap (plain config), a flags
ConfigMap (feature flags, mounted as a file), Secret or ExternalSecret (secret values), an
optional migration Job the rollout waits for, the Deployments and Services of the release
strategy (`strategies.py`: rolling, blue-green slots, canary tracks), a HorizontalPodAutoscaler
and PodDisruptionBudget per workload that needs one, the traffic route (Gateway API HTTPRoute,
or an Istio VirtualService in the mesh; `routes.py`) and a NetworkPolicy built from the call
graph that selects every pod of the service. With observability on: a ServiceMonitor, SLO rules
and a dashboard, and for a public service a synthetic check (a Probe and its alert).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from . import (
    availability,
    flags,
    labels,
    network_policy,
    routes,
    service_mesh,
    service_monitoring,
    strategies,
    synthetic_checks,
    workload,
)
from .environment import Environment, SecretStoreRef
from .network_policy import Peer
from .release_state import ReleaseRef, ReleaseState
from .spec.kubernetes_names import migration_job_name
from .spec.service import ServiceSpec
from .strategies import ReleasePlan, ServicePlan, WorkloadPlan

TYPE_TOKEN = "slipway:index:Microservice"
CHANGE_CAUSE = "kubernetes.io/change-cause"
EXTERNAL_SECRETS_API = "external-secrets.io/v1"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
# A switch's `land` update marks the new Deployments; the next update drops the mark, which makes
# the provider await each of them again, at the count their autoscaler has set by then.
LANDING_ANNOTATION = "slipway.dev/switch"
# The provider's own await condition: the autoscaler has run once (and raised its Deployment
# to scaling.min) before the update goes on.
WAIT_FOR_ANNOTATION = "pulumi.com/waitFor"


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
    release: ReleaseState | None = None
    """Where this service's release stands (stable and candidate versions, canary weight, live
    blue-green slot), as `slipway release` writes it to `slipway:releases`. Its `stable` wins
    over the spec's version and image. Default None: the spec's version runs, no release is
    under way."""
    rollout_after: Sequence[pulumi.Resource] = ()
    """Resources every Deployment of this service waits for, besides its own secret and
    migration: `deploy_catalog` passes what its callees serve with (`Microservice.serving`), so
    a rollout starts only after the rollouts of the services it calls. Default none."""


def _check(args: MicroserviceArgs) -> None:
    """Refuse inconsistent arguments before anything is registered."""
    spec = args.spec
    peers = {peer.name for peer in args.calls}
    if peers != set(spec.callees):
        missing = sorted(set(spec.callees) - peers)
        extra = sorted(peers - set(spec.callees))
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
    problems = strategies.check_state(spec, args.release)
    if problems:
        raise ValueError(f"{spec.name}: release state: {'; '.join(problems)}")
    _check_contract_migration(spec, args.release)


def _check_contract_migration(spec: ServiceSpec, state: ReleaseState | None) -> None:
    """A contract step drops what the previous version still reads: never while two versions
    may serve traffic."""
    if spec.migration is None or spec.migration.phase != "contract":
        return
    if state is None or state.candidate is None:
        return
    stable = strategies.stable_release(spec, state)
    if state.candidate.version != stable.version:
        raise ValueError(
            f"{spec.name}: migration.phase: contract is refused in a release that changes the "
            f"version ({stable.version} -> {state.candidate.version} is under way); finish or "
            "roll back the release first, then run the contract migration in its own update "
            "(phase: expand meanwhile)"
        )


class Microservice(pulumi.ComponentResource):
    """A hardened Kubernetes workload for one service spec."""

    deployment_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    namespace: pulumi.Output[str]
    url: pulumi.Output[str]
    image: pulumi.Output[str]
    """Image of the primary workload (rolling, the stable track, the live slot)."""
    version: pulumi.Output[str]
    """Version of the primary workload."""
    release_status: dict[str, Any]
    """Strategy, stable and candidate versions, canary weight, live slot, workloads."""

    def __init__(self, name: str, args: MicroserviceArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        _check(args)
        super().__init__(TYPE_TOKEN, name, None, opts)
        spec, env = args.spec, args.environment
        self._name = name
        self._args = args
        namespace = args.namespace
        self.resource_names: dict[str, str] = {}
        self._child_names: dict[pulumi.CustomResource, str] = {}

        release_plan = strategies.plan(spec, args.release)
        self._plan = release_plan
        account = self._service_account(namespace)
        config_map = self._config_map(namespace)
        flags_map = self._flags(namespace)
        secret_name, secret = self._secret(namespace)
        newest = strategies.newest_release(spec, args.release)
        migration = self._migration_job(namespace, account, config_map, secret_name, newest)
        # The rollout waits for its secret and, when there is one, the migration: no version
        # takes traffic before the schema it needs exists.
        waits_for: list[pulumi.Resource] = [r for r in (secret, migration) if r is not None]
        waits_for.extend(args.rollout_after)
        deployments = {
            plan.key: self._deployment(namespace, account, config_map, flags_map, secret_name,
                                       waits_for=waits_for, plan=plan)
            for plan in release_plan.workloads
        }
        services = [self._service(namespace, plan, _selected(plan, release_plan.workloads,
                                                             deployments))
                    for plan in release_plan.services]
        for plan in release_plan.workloads:
            if plan.autoscaled and spec.scaling.autoscaled:
                self._autoscaler(namespace, deployments[plan.key], plan)
            self._disruption_budget(namespace, plan)
        self._routes(namespace, release_plan, services)
        policy = self._network_policy(namespace)
        # One version label on every object of the service: the released stable version (what
        # runs), never merely what the file asks for.
        stable_version = release_plan.stable.version
        self.resource_names.update(service_monitoring.create(
            self, spec, env, namespace, resource_name=name, version=stable_version))
        self.resource_names.update(synthetic_checks.create(
            self, spec, env, namespace, resource_name=name, version=stable_version))
        self.resource_names.update(service_mesh.create(
            self, spec, env, namespace, args.callers, resource_name=name,
            hosts=[plan.name for plan in release_plan.services], version=stable_version))

        primary = release_plan.primary
        # Names this component chose: plain values, not Outputs waiting on the registrations.
        self.deployment_name = pulumi.Output.from_input(primary.name)
        self.service_name = pulumi.Output.from_input(release_plan.services[0].name)
        self.namespace = pulumi.Output.from_input(namespace)
        self.url = pulumi.Output.concat(
            "http://", spec.name, ".", self.namespace, ".svc.cluster.local"
        )
        self.image = pulumi.Output.from_input(primary.release.image)
        self.version = pulumi.Output.from_input(primary.release.version)
        self.release_status = _release_status(spec, args.release, release_plan)
        self.serving: list[pulumi.Resource] = [*deployments.values(), *services, policy]
        """What a caller needs in place before its own rollout: every Deployment of the release
        (rolled out), the Services that name them and the NetworkPolicy that admits callers.
        `deploy_catalog` makes the callers' Deployments wait for exactly these."""
        self.register_outputs({
            "deploymentName": self.deployment_name,
            "serviceName": self.service_name,
            "namespace": self.namespace,
            "url": self.url,
            "image": self.image,
            "version": self.version,
            "release": self.release_status,
            "resourceNames": self.resource_names,
            "environment": env.name,
        })

    # -- children ---------------------------------------------------------------------------

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _metadata(self, namespace: pulumi.Input[str], kind: str, name: str,
                  annotations: Mapping[str, str] | None = None, *,
                  component: str = labels.SERVER, version: str | None = None) -> dict[str, Any]:
        """Object metadata with standard labels; records the name under `kind` for outputs."""
        spec, env = self._args.spec, self._args.environment
        self.resource_names[kind] = name
        version = version if version is not None else self._plan.stable.version
        metadata: dict[str, Any] = {
            "name": name,
            "namespace": namespace,
            "labels": labels.standard_labels(spec.name, env.name, version, component,
                                             spec.team),
        }
        if annotations:
            metadata["annotations"] = dict(annotations)
        return metadata

    def _known_name(self, resource: pulumi.CustomResource) -> str:
        """The Kubernetes name this component gave `resource` (its child), as a plain string.

        Reading `resource.metadata["name"]` would be an Output that resolves only once the
        resource is registered; whoever uses the name lists the resource in `depends_on`
        instead, which keeps the same ordering without an Output per use."""
        return self._child_names[resource]

    def _service_account(self, namespace: pulumi.Input[str]) -> k8s.core.v1.ServiceAccount:
        spec = self._args.spec
        metadata = self._metadata(namespace, "serviceAccount", spec.name)
        if self._args.iam_role_arn is not None:
            metadata["annotations"] = {IRSA_ANNOTATION: self._args.iam_role_arn}
        account = k8s.core.v1.ServiceAccount(
            f"{self._name}-sa",
            metadata=metadata,
            automount_service_account_token=spec.service_account.automount_token,
            opts=self._opts(),
        )
        self._child_names[account] = metadata["name"]
        return account

    def _config_map(self, namespace: pulumi.Input[str]) -> k8s.core.v1.ConfigMap | None:
        data = workload.config_data(self._args.spec)
        if not data:
            return None
        name = f"{self._args.spec.name}-config"
        config_map = k8s.core.v1.ConfigMap(
            f"{self._name}-config",
            metadata=self._metadata(namespace, "configMap", name),
            data=data,
            opts=self._opts(),
        )
        self._child_names[config_map] = name
        return config_map

    def _flags(self, namespace: pulumi.Input[str]) -> k8s.core.v1.ConfigMap | None:
        spec = self._args.spec
        if not spec.flags:
            return None
        return k8s.core.v1.ConfigMap(
            f"{self._name}-flags",
            metadata=self._metadata(namespace, "flagsConfigMap", flags.config_map_name(spec.name)),
            data=flags.data(spec),
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
                       config_map: k8s.core.v1.ConfigMap | None, secret_name: str,
                       newest: ReleaseRef) -> k8s.batch.v1.Job | None:
        env = self._args.environment
        spec = _with_release(self._args.spec, newest)
        migration = spec.migration
        if migration is None:
            return None
        # A Job's pod template is immutable: one Job per version (and phase), so a release
        # runs its own, for the version about to take traffic.
        job_name = migration_job_name(spec.name, spec.version, migration.phase)
        container = {
            **workload.server_container(
                spec, self._known_name(config_map) if config_map else None, secret_name),
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
                                    component=labels.MIGRATION, version=spec.version),
            spec={
                "backoff_limit": migration.backoff_limit,
                "active_deadline_seconds": migration.timeout_seconds,
                "template": {
                    "metadata": pod_metadata,
                    "spec": workload.pod_spec(
                        spec, env, self._known_name(account), [container],
                        restart_policy="Never", spread=False,
                    ),
                },
            },
            opts=self._opts(depends_on=[r for r in (account, config_map) if r is not None]),
        )

    def _deployment(self, namespace: pulumi.Input[str], account: k8s.core.v1.ServiceAccount,
                    config_map: k8s.core.v1.ConfigMap | None,
                    flags_map: k8s.core.v1.ConfigMap | None, secret_name: str, *,
                    waits_for: list[pulumi.Resource],
                    plan: WorkloadPlan) -> k8s.apps.v1.Deployment:
        env = self._args.environment
        spec = _with_release(self._args.spec, plan.release)
        config_map_name = self._known_name(config_map) if config_map else None
        # Flags stay out of the hash on purpose: flipping one must not roll the pods.
        pod_annotations = {
            workload.CONFIG_HASH_ANNOTATION: workload.config_hash(workload.config_data(spec)),
            **workload.signature_annotations(spec.name, spec.signature),
        }
        container = workload.server_container(spec, config_map_name, secret_name)
        pod = workload.pod_spec(spec, env, self._known_name(account), [container])
        waits_for = [*waits_for, *(r for r in (account, config_map) if r is not None)]
        if flags_map is not None:
            # By its known name: nothing about the flags' content may reach the pod template.
            container["volume_mounts"].append(flags.volume_mount())
            pod["volumes"].append(flags.volume(flags.config_map_name(spec.name)))
            waits_for = [*waits_for, flags_map]
        release = spec.release
        deployment_spec: dict[str, Any] = {
            "selector": {"match_labels": {**labels.server_selector(spec.name, env.name),
                                          **plan.pod_labels}},
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
                    "labels": {**labels.standard_labels(
                        spec.name, env.name, spec.version, labels.SERVER, spec.team
                    ), **plan.pod_labels},
                    "annotations": pod_annotations,
                },
                "spec": pod,
            },
        }
        # An autoscaler owns the replica count; setting it here would reset the scale on
        # every `pulumi up`.
        if plan.replicas is not None:
            deployment_spec["replicas"] = plan.replicas
        elif not spec.scaling.autoscaled:
            deployment_spec["replicas"] = spec.scaling.min
        # The commit in the spec belongs to the spec's version only; a recorded release keeps
        # the one its file named when it was desired.
        own = spec.version == self._args.spec.version and spec.image == self._args.spec.image
        source = plan.release.source_commit or (spec.commit if own else None)
        commit = source[:12] if source else "unknown"
        annotations = {CHANGE_CAUSE: f"{spec.name} {spec.version} (commit {commit})"}
        if self._plan.landing and plan.key != strategies.BRIDGE:
            annotations[LANDING_ANNOTATION] = "land"
        return k8s.apps.v1.Deployment(
            _child(self._name, "deployment", plan.key),
            metadata=self._metadata(
                namespace, _kind("deployment", plan.key), plan.name, annotations,
                version=spec.version,
            ),
            spec=deployment_spec,
            opts=self._opts(depends_on=waits_for),
        )

    def _service(self, namespace: pulumi.Input[str], plan: ServicePlan,
                 selects: list[k8s.apps.v1.Deployment]) -> k8s.core.v1.Service:
        """A Service whose selector names a track or slot waits for the Deployments whose pods
        it selects: such a selector can move to other pods (a blue-green flip, the end of a
        strategy switch), and moves only once they are rolled out, so it never points at pods
        that are not ready yet. A Service over every server pod of the service never moves
        (its selector is the service's own), so it waits for nothing: it is created with the
        service's first objects, and a caller waiting for it waits for no extra round trip."""
        spec, env = self._args.spec, self._args.environment
        metadata = self._metadata(namespace, _kind("service", plan.key), plan.name)
        if plan.key in ("stable", "canary"):
            metadata["labels"][labels.ROUTE_BACKEND] = plan.key
        return k8s.core.v1.Service(
            _child(self._name, "service", plan.key),
            metadata=metadata,
            spec={
                "type": "ClusterIP",
                "selector": {**labels.server_selector(spec.name, env.name), **plan.pod_labels},
                "ports": [{"name": "http", "port": routes.SERVICE_PORT, "target_port": "http",
                           "protocol": "TCP"}],
            },
            opts=self._opts(depends_on=selects if plan.pod_labels else None),
        )

    def _autoscaler(self, namespace: pulumi.Input[str], deployment: k8s.apps.v1.Deployment,
                    plan: WorkloadPlan) -> None:
        """The autoscaler names its Deployment, which may come after it (the controller waits
        for it). Only a landing one, which the provider awaits until it is able to scale,
        needs the Deployment in place first."""
        spec = self._args.spec
        k8s.autoscaling.v2.HorizontalPodAutoscaler(
            _child(self._name, "hpa", plan.key),
            metadata=self._metadata(namespace, _kind("horizontalPodAutoscaler", plan.key),
                                    plan.name,
                                    {WAIT_FOR_ANNOTATION: "condition=AbleToScale"}
                                    if self._plan.landing else None),
            spec=availability.hpa_spec(spec, plan.name),
            opts=self._opts(depends_on=[deployment] if self._plan.landing else None),
        )

    def _disruption_budget(self, namespace: pulumi.Input[str], plan: WorkloadPlan) -> None:
        """One budget per workload: two budgets over the same pods make evictions fail. It
        selects pods by label, so it needs no Deployment in place first."""
        spec, env = self._args.spec, self._args.environment
        selector = {**labels.server_selector(spec.name, env.name), **plan.pod_labels}
        if plan.replicas is None:
            if not spec.wants_pdb:
                return
            budget = availability.pdb_spec(spec, env, selector)
        elif plan.replicas > 1:
            # A canary's own pods: let a drain take one at a time.
            budget = {"selector": {"match_labels": selector}, "max_unavailable": 1,
                      "unhealthy_pod_eviction_policy": "AlwaysAllow"}
        else:
            return
        k8s.policy.v1.PodDisruptionBudget(
            _child(self._name, "pdb", plan.key),
            metadata=self._metadata(namespace, _kind("podDisruptionBudget", plan.key),
                                    plan.name),
            spec=budget,
            opts=self._opts(),
        )

    def _routes(self, namespace: pulumi.Input[str], plan: ReleasePlan,
                services: list[k8s.core.v1.Service]) -> None:
        """Public: an HTTPRoute on the shared Gateway. Canary inside the cluster: the split as
        an Istio VirtualService (mesh) or a GAMMA HTTPRoute on the service's own Service."""
        spec, env = self._args.spec, self._args.environment
        exposure = spec.exposure
        if exposure.public:
            self._http_route(namespace, routes.http_route_spec(
                routes.gateway_parent(env.gateway_name, env.gateway.namespace), plan.backends,
                hostname=exposure.host, path=exposure.path,
            ), services)
        if not plan.split:
            return
        if env.mesh:
            k8s.apiextensions.CustomResource(
                f"{self._name}-virtual-service",
                api_version=routes.ISTIO_API,
                kind="VirtualService",
                metadata=self._metadata(namespace, "virtualService", spec.name),
                # Retries and timeouts come from the mesh settings, merged per route.
                spec=routes.virtual_service_spec(spec.name, plan.backends, self._resilience()),
                opts=self._opts(depends_on=services),
            )
        elif not exposure.public:
            self._http_route(namespace, routes.http_route_spec(
                routes.service_parent(spec.name), plan.backends), services)

    def _resilience(self) -> Mapping[str, Any] | None:
        """Timeout and retries (from `spec.mesh`) merged into every mesh route."""
        if not self._args.environment.mesh:
            return None
        return service_mesh.http_resilience(self._args.spec)

    def _http_route(self, namespace: pulumi.Input[str], route_spec: dict[str, Any],
                    services: list[k8s.core.v1.Service]) -> None:
        k8s.apiextensions.CustomResource(
            f"{self._name}-route",
            api_version=routes.GATEWAY_API,
            kind="HTTPRoute",
            metadata=self._metadata(namespace, "httpRoute", self._args.spec.name),
            spec=route_spec,
            opts=self._opts(depends_on=services),
        )

    def _network_policy(self, namespace: pulumi.Input[str]) -> k8s.networking.v1.NetworkPolicy:
        spec, env = self._args.spec, self._args.environment
        return k8s.networking.v1.NetworkPolicy(
            f"{self._name}-netpol",
            metadata=self._metadata(namespace, "networkPolicy", spec.name),
            spec=network_policy.policy_spec(spec, env, self._args.callers, self._args.calls),
            opts=self._opts(),
        )


def _child(component: str, kind: str, key: str) -> str:
    """Child resource names: `<name>-deployment` for the main one, `-<key>` appended else."""
    return f"{component}-{kind}" if not key else f"{component}-{kind}-{key}"


def _selected(service: ServicePlan, workloads: list[WorkloadPlan],
              deployments: Mapping[str, k8s.apps.v1.Deployment]) -> list[k8s.apps.v1.Deployment]:
    """The Deployments whose pods `service` selects (its track or slot labels are theirs)."""
    return [deployments[w.key] for w in workloads
            if service.pod_labels.items() <= w.pod_labels.items()]


def _kind(kind: str, key: str) -> str:
    """Keys of the resourceNames output: deployment, deploymentCanary, serviceStable, ..."""
    return kind if not key else f"{kind}{key[0].upper()}{key[1:]}"


def _with_release(spec: ServiceSpec, release: ReleaseRef) -> ServiceSpec:
    """The spec as it runs one release: its version, image and signature."""
    return spec.model_copy(update={"version": release.version, "image": release.image,
                                   "signature": release.signature})


def _release_status(spec: ServiceSpec, state: ReleaseState | None,
                    plan: ReleasePlan) -> dict[str, Any]:
    """What the release tool's `status` shows: strategy, versions, weight, live slot."""
    status: dict[str, Any] = {
        "strategy": spec.release.strategy,
        "stable": strategies.stable_release(spec, state).version,
        "candidate": state.candidate.version if state and state.candidate else None,
        "weight": state.candidate_weight if state is not None else 0,
        "workloads": {w.name: w.release.version for w in plan.workloads},
    }
    if state is not None and state.switch is not None:
        status["switch"] = state.switch  # mid-switch: the bridge Deployment serves
    elif spec.release.strategy == "blue-green":
        status["live"] = state.live_slot if state is not None else "blue"
    return status
