"""Stack settings: the `slipway:*` keys of Pulumi.<stack>.yaml, validated once, typed.

Only the program reads Pulumi config; it hands the raw values to `StackSettings.parse`, which
refuses unknown keys and bad values with `Pulumi.<stack>.yaml: slipway:<key>.<field>: ...`.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import pulumi
from pydantic import Field, ValidationError, model_validator

from .delivery_settings import DeliverySettings
from .environment import Environment, PeerSelector, SecretStoreRef
from .platform.aws_settings import AwsSettings
from .platform.kubernetes_settings import PlatformSettings
from .release_state import ReleaseState
from .spec.errors import SpecError, format_validation_error
from .spec.model import DNS_LABEL, FieldError, IntOrPercent, SpecModel

CONFIG_NAMESPACE = "slipway"
SECRET_VALUES_KEY = "secretValues"


class KubernetesSettings(SpecModel):
    render_dir: str | None = Field(
        default=None, description="Write manifests here instead of deploying (no cluster)."
    )
    context: str | None = Field(default=None, description="Kubeconfig context to deploy to.")
    kubeconfig: str | None = Field(default=None, description="Kubeconfig path; default ~/.kube.")

    @model_validator(mode="after")
    def _one_target(self) -> KubernetesSettings:
        if (self.render_dir is None) == (self.context is None):
            raise ValueError(
                "set exactly one of renderDir (write manifests, no cluster) or context "
                "(deploy to that kubeconfig context)"
            )
        return self


class RolloutSettings(SpecModel):
    max_surge: IntOrPercent = "25%"
    max_unavailable: IntOrPercent = 0


class SpreadSettings(SpecModel):
    zone: Literal["DoNotSchedule", "ScheduleAnyway"] = "ScheduleAnyway"
    host: Literal["DoNotSchedule", "ScheduleAnyway"] = "ScheduleAnyway"


class PeerSettings(SpecModel):
    namespace: str = Field(pattern=DNS_LABEL)
    pod_labels: dict[str, str] = Field(default_factory=dict)

    def selector(self) -> PeerSelector:
        return PeerSelector(self.namespace, dict(self.pod_labels))


class SecretStoreSettings(SpecModel):
    name: str = Field(pattern=DNS_LABEL)
    kind: Literal["ClusterSecretStore", "SecretStore"] = "ClusterSecretStore"
    key_prefix: str = "slipway"
    refresh_interval: str = Field(default="1h", pattern=r"^[0-9]+(s|m|h)$")


class PreviewSettings(SpecModel):
    """A pull-request review stack (written by `slipway preview --pr N`, not by hand)."""

    pr: int = Field(ge=1, le=9_999_999, description="Pull request number.")
    created: datetime = Field(description="When the review stack was created (UTC).")
    expires: datetime = Field(description="After this, `slipway previews gc` destroys it.")

    @model_validator(mode="after")
    def _expires_after_created(self) -> PreviewSettings:
        if self.expires <= self.created:
            raise FieldError("expires", f"must be after created (got {self.expires.isoformat()}"
                             f" <= {self.created.isoformat()})")
        return self


class StackSettings(SpecModel):
    environment: str = Field(pattern=r"^(dev|prod|pr-[1-9][0-9]{0,6})$",
                             description="dev, prod or pr-<number>.")
    namespace: str | None = Field(default=None, pattern=DNS_LABEL,
                                  description="Default slipway-<environment> (pr-N: pr-N).")
    catalog: str = Field(default="services", description="Directory of service files.")
    kubernetes: KubernetesSettings | None = Field(
        default=None,
        description="Where manifests go: a render directory or a kube context. Required "
        "unless aws is set (then the EKS cluster is the target).",
    )
    rollout: RolloutSettings = Field(default_factory=RolloutSettings)
    revision_history_limit: int = Field(default=5, ge=1, le=50)
    spread: SpreadSettings = Field(default_factory=SpreadSettings)
    gateway: PeerSettings = Field(default_factory=lambda: PeerSettings(
        namespace="gateway", pod_labels={"app.kubernetes.io/name": "gateway"}))
    monitoring: PeerSettings = Field(default_factory=lambda: PeerSettings(namespace="monitoring"))
    secret_store: SecretStoreSettings | None = Field(
        default=None,
        description="Read secret values through External Secrets from this store instead of "
        "stack secrets (secretValues).",
    )
    aws: AwsSettings | None = Field(
        default=None,
        description="Build the AWS platform (VPC, EKS, IAM, Secrets Manager) and deploy the "
        "services to its cluster. Left out: no cloud.",
    )
    platform: PlatformSettings | None = Field(
        default=None,
        description="The in-cluster platform (mesh, gateway, observability, external "
        "secrets); left out: none is created and services keep the Environment defaults.",
    )

    releases: dict[str, ReleaseState] = Field(
        default_factory=dict,
        description="Legacy: release progress as earlier versions of the tool wrote it. It now "
        "lives in the backend (the stack's `releases` output); the tool migrates this key once "
        "and removes it.",
    )
    delivery: DeliverySettings = Field(
        default_factory=DeliverySettings,
        description="How `slipway deliver` ships to this stack: the stage before it, soak "
        "time, parallel releases, lock wait, freeze windows.",
    )

    @model_validator(mode="after")
    def _one_target(self) -> StackSettings:
        if self.aws is None and self.kubernetes is None:
            raise FieldError("kubernetes", "is required (renderDir or context) unless aws is set")
        if self.aws is not None and self.kubernetes is not None:
            raise FieldError(
                "kubernetes",
                "must be left out when aws is set: the services deploy to the EKS cluster "
                "the aws settings build",
            )
        if self.aws is not None and self.secret_store is None:
            raise FieldError(
                "secretStore",
                "is required when aws is set: secret values live in AWS Secrets Manager and "
                "reach pods through External Secrets, e.g. secretStore: {name: "
                "aws-secrets-manager, keyPrefix: slipway/prod}",
            )
        return self

    @model_validator(mode="after")
    def _store_is_the_platform_s(self) -> StackSettings:
        external = self.platform.external_secrets if self.platform is not None else None
        if external is not None and external.enabled and self.secret_store is not None and \
                self.secret_store.name != external.store_name:
            raise FieldError(
                "secretStore.name",
                f"must be the platform's store {external.store_name!r} "
                f"(platform.externalSecrets.storeName) or services read from a store that "
                f"does not exist (got {self.secret_store.name!r})",
            )
        return self

    preview: PreviewSettings | None = Field(
        default=None,
        description="Set on pr-N review stacks only: the PR number and when the stack expires.",
    )

    @model_validator(mode="after")
    def _preview_matches_environment(self) -> StackSettings:
        if self.preview is not None and self.environment != f"pr-{self.preview.pr}":
            raise FieldError(
                "preview", f"is only for the review stack of its pull request: environment "
                f"must be pr-{self.preview.pr} (got {self.environment})")
        return self

    @model_validator(mode="after")
    def _no_plaintext_secrets_on_disk(self) -> StackSettings:
        rendering = self.kubernetes is not None and self.kubernetes.render_dir is not None
        if rendering and self.secret_store is None:
            raise FieldError(
                "secretStore",
                "is required when kubernetes.renderDir is set: rendered manifests are plain "
                "files, so secret values must come from a store (an ExternalSecret), never "
                "from stack secrets; e.g. secretStore: {name: slipway-dev}",
            )
        return self

    @property
    def namespace_name(self) -> str:
        if self.namespace is not None:
            return self.namespace
        return self.environment if self.environment.startswith("pr-") else (
            f"slipway-{self.environment}")

    def namespace_labels(self) -> dict[str, str]:
        """Extra namespace labels: sidecar injection when the mesh is on; a review stack's PR
        number and expiry date (UTC)."""
        labels = {}
        if self.platform is not None and self.platform.mesh.enabled:
            labels["istio-injection"] = "enabled"
        if self.preview is not None:
            labels["slipway.dev/pr"] = str(self.preview.pr)
            labels["slipway.dev/expires"] = self.preview.expires.strftime("%Y-%m-%d")
        return labels

    def to_environment(self) -> Environment:
        environment = Environment(
            name=self.environment,
            namespace=self.namespace_name,
            max_surge=self.rollout.max_surge,
            max_unavailable=self.rollout.max_unavailable,
            revision_history_limit=self.revision_history_limit,
            zone_spread=self.spread.zone,
            host_spread=self.spread.host,
            gateway=self.gateway.selector(),
            monitoring=self.monitoring.selector(),
        )
        if self.platform is None:
            return environment
        return dataclasses.replace(environment, mesh=self.platform.mesh.enabled,
                                   observability=self.platform.observability.enabled)

    def secret_store_ref(self) -> SecretStoreRef | None:
        store = self.secret_store
        if store is None:
            return None
        return SecretStoreRef(name=store.name, kind=store.kind, key_prefix=store.key_prefix,
                              refresh_interval=store.refresh_interval)

    @classmethod
    def parse(cls, values: Mapping[str, Any], source: str) -> StackSettings:
        """Validate raw `slipway:*` config values (keys without the namespace)."""
        valid = [field.alias or name for name, field in cls.model_fields.items()]
        valid.append(SECRET_VALUES_KEY)
        problems = []
        for key in sorted(values):
            if key not in valid:
                close = difflib.get_close_matches(key, valid, n=1)
                hint = f" (did you mean {CONFIG_NAMESPACE}:{close[0]}?)" if close else ""
                problems.append(
                    f"{source}: {CONFIG_NAMESPACE}:{key}: unknown setting{hint}; valid: "
                    + ", ".join(valid)
                )
        if problems:
            raise SpecError(problems)
        try:
            return cls.model_validate({k: v for k, v in values.items() if k != SECRET_VALUES_KEY})
        except ValidationError as err:
            lines = format_validation_error(source, err, cls)
            # Config keys are namespaced in the stack file: say `slipway:key` as written there.
            prefix = f"{source}: "
            raise SpecError([
                prefix + CONFIG_NAMESPACE + ":" + line.removeprefix(prefix) for line in lines
            ]) from None


def secret_inputs(raw: Any, source: str) -> dict[str, dict[str, pulumi.Output[str]]]:
    """`slipway:secretValues` as {service: {NAME: secret Output}}.

    Kept out of StackSettings on purpose: a validation message must never echo a value, so
    only the shape is checked here and every value is wrapped as a secret at once.
    """
    if raw is None:
        return {}
    where = f"{source}: {CONFIG_NAMESPACE}:{SECRET_VALUES_KEY}"
    if not isinstance(raw, dict):
        raise SpecError([f"{where}: must be a mapping of service name to {{NAME: value}}"])
    result: dict[str, dict[str, pulumi.Output[str]]] = {}
    problems = []
    for service, values in raw.items():
        if not isinstance(values, dict):
            problems.append(f"{where}.{service}: must be a mapping of secret name to value")
            continue
        result[service] = {}
        for name, value in values.items():
            if not isinstance(value, str):
                problems.append(f"{where}.{service}.{name}: must be a string value")
                continue
            result[service][name] = pulumi.Output.secret(value)
    if problems:
        raise SpecError(problems)
    return result
