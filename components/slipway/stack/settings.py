"""Stack settings: the `slipway:*` keys of Pulumi.<stack>.yaml as one typed, validated model.

`config.read_settings` is the only way in (it refuses unknown keys and bad values with
`Pulumi.<stack>.yaml: slipway:<key>.<field>: ...`); `to_environment` and `secret_store_ref`
turn the settings into the components' plain arguments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, model_validator

from ..environment import Environment, PeerSelector, SecretStoreRef, Spread
from ..platform.observability import blackbox_address
from ..release_state import ReleaseState
from ..spec.validation import DNS_LABEL, FieldError, IntOrPercent, SpecModel
from .aws_settings import AwsSettings
from .defaults import given, left_out
from .delivery_settings import DeliverySettings
from .platform_settings import PlatformSettings


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
    max_surge: IntOrPercent | None = Field(
        default=None, description="Extra pods during a rolling update. "
        + left_out(Environment, "max_surge"))
    max_unavailable: IntOrPercent | None = Field(
        default=None, description="Pods that may be missing during a rolling update. "
        + left_out(Environment, "max_unavailable"))


class SpreadSettings(SpecModel):
    zone: Spread | None = Field(default=None, description="Spreading across zones. "
                                + left_out(Environment, "zone_spread"))
    host: Spread | None = Field(default=None, description="Spreading across nodes. "
                                + left_out(Environment, "host_spread"))


class PeerSettings(SpecModel):
    namespace: str = Field(pattern=DNS_LABEL)
    pod_labels: dict[str, str] = Field(default_factory=dict)

    def selector(self) -> PeerSelector:
        return PeerSelector(self.namespace, dict(self.pod_labels))


class SecretStoreSettings(SpecModel):
    name: str = Field(pattern=DNS_LABEL)
    kind: Literal["ClusterSecretStore", "SecretStore"] | None = Field(
        default=None, description=left_out(SecretStoreRef, "kind"))
    key_prefix: str | None = Field(default=None, description=left_out(SecretStoreRef,
                                                                      "key_prefix"))
    refresh_interval: str | None = Field(default=None, pattern=r"^[0-9]+(s|m|h)$",
                                         description=left_out(SecretStoreRef, "refresh_interval"))


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
    revision_history_limit: int | None = Field(
        default=None, ge=1, le=50,
        description="Old ReplicaSets kept. " + left_out(Environment, "revision_history_limit"))
    spread: SpreadSettings = Field(default_factory=SpreadSettings)
    gateway: PeerSettings | None = Field(
        default=None, description="Ingress gateway pods that may reach public services. "
        "Left out: Environment.gateway.")
    monitoring: PeerSettings | None = Field(
        default=None, description="Pods that may scrape every service. "
        "Left out: Environment.monitoring.")
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
                self.secret_store.name != external.effective_store_name:
            raise FieldError(
                "secretStore.name",
                f"must be the platform's store {external.effective_store_name!r} "
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
        """The components' Environment; settings left out keep its defaults."""
        platform = self.platform
        return Environment(
            name=self.environment,
            namespace=self.namespace_name,
            **given(
                max_surge=self.rollout.max_surge,
                max_unavailable=self.rollout.max_unavailable,
                revision_history_limit=self.revision_history_limit,
                zone_spread=self.spread.zone,
                host_spread=self.spread.host,
                gateway=self.gateway.selector() if self.gateway is not None else None,
                monitoring=self.monitoring.selector() if self.monitoring is not None else None,
                # Without platform settings nothing is installed: the Environment's defaults.
                mesh=platform.mesh.enabled if platform is not None else None,
                observability=platform.observability.enabled if platform is not None else None,
                blackbox_exporter=self._blackbox_exporter(platform),
            ),
        )

    def _blackbox_exporter(self, platform: PlatformSettings | None) -> str | None:
        """The setting; else, when the platform installs observability into another namespace
        than monitoring, the exporter it installs there; else the Environment's default."""
        if platform is None:
            return None
        if platform.observability.blackbox_exporter is not None:
            return platform.observability.blackbox_exporter
        if platform.observability.enabled and self.monitoring is not None:
            return blackbox_address(self.monitoring.namespace)
        return None

    def secret_store_ref(self) -> SecretStoreRef | None:
        store = self.secret_store
        if store is None:
            return None
        return SecretStoreRef(name=store.name, **given(
            kind=store.kind, key_prefix=store.key_prefix,
            refresh_interval=store.refresh_interval))
