"""The service spec as a whole: what a service team writes in services/<name>.yaml.

Every field has a safe default except `name`, `image` and `version`. Field names are camelCase in
YAML (the Kubernetes convention service teams already know) and snake_case in Python. Unknown
fields are errors so that a typo never passes silently. The JSON Schema in services/schema.json is
generated from these models (see `slipway.spec.schema`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from .aws import AwsAccess
from .config_values import CREDENTIAL_NAME, ConfigValue, FlagValue
from .disruption import Disruption, pods_at_percent
from .egress import Egress
from .exposure import Exposure
from .mesh import MeshPolicy
from .metrics import MetricsEndpoint
from .migration import Migration
from .overrides import Overrides
from .probes import Probes
from .release import Release
from .resources import Resources
from .scaling import Scaling
from .signature import ImageSignature
from .slo import Slo
from .validation import (
    COMMIT,
    DNS_LABEL,
    ENV_VAR,
    FLAG_NAME,
    PATTERN_HELP,
    SEMVER,
    SpecModel,
    check_image,
    error_at,
)


class ServiceAccountSpec(SpecModel):
    automount_token: bool = Field(
        default=False,
        description="Mount a Kubernetes API token in the pods. Off: most services never call "
        "the API, and a stolen token is a foothold.",
    )



class ServiceSpec(SpecModel):
    """One microservice, as its team describes it."""

    name: str = Field(
        pattern=DNS_LABEL, max_length=40,
        description="Service name: lowercase letters, digits and '-', at most 40 characters; "
        "must match the file name.",
    )
    image: str = Field(
        description="Container image pinned by digest (registry/repo@sha256:...). The initial "
        "image: once `slipway release` has written a stable release for the service "
        "(slipway:releases), that one runs.",
    )
    signature: ImageSignature | None = Field(
        default=None,
        description="The image's cosign signature ({payload, base64Signature}, from CI), put on "
        "the pod template for the policy pack to verify. Left out: no signature annotation, "
        "which the image-signature policy refuses.",
    )
    version: str = Field(
        pattern=SEMVER,
        description="Semantic version of what the image holds. The initial version: the release "
        "state written by `slipway release` wins over it (`slipway release status` shows which).",
    )
    commit: str | None = Field(
        default=None, pattern=COMMIT, description="Source commit of the image."
    )
    team: str | None = Field(default=None, pattern=DNS_LABEL, description="Owning team label.")
    port: int = Field(default=8080, description="Container port, 1024-65535 (unprivileged).")
    resources: Resources = Field(default_factory=Resources)
    probes: Probes = Field(default_factory=lambda: Probes.model_validate({}))
    scaling: Scaling = Field(default_factory=Scaling)
    disruption: Disruption = Field(default_factory=Disruption)
    release: Release = Field(default_factory=Release)
    slo: Slo = Field(default_factory=Slo, description="Availability and latency objectives.")
    exposure: Exposure = Field(default_factory=Exposure)
    metrics: MetricsEndpoint = Field(
        default_factory=MetricsEndpoint,
        description="Where Prometheus scrapes the service (when the stack has observability).",
    )
    mesh: MeshPolicy = Field(
        default_factory=MeshPolicy,
        description="Timeouts, retries and circuit breaking (when the stack has a mesh).",
    )
    calls: list[Annotated[str, Field(pattern=DNS_LABEL)]] = Field(
        default_factory=list,
        description="Services this one calls: egress here, ingress there.",
    )
    egress: list[Egress] = Field(default_factory=list, description="Destinations outside.")
    config: dict[str, ConfigValue] = Field(
        default_factory=dict, description="Plain settings, as environment variables."
    )
    secrets: list[Annotated[str, Field(pattern=ENV_VAR)]] = Field(
        default_factory=list,
        description="Names of secret environment variables; values come from stack secrets "
        "or the secret store, never from this file.",
    )
    flags: dict[str, FlagValue] = Field(
        default_factory=dict,
        description="Feature flags and kill switches: {name: boolean, string or number}, in a "
        "ConfigMap mounted as /etc/slipway/flags/flags.json. Not part of the config hash: "
        "flipping one reaches running pods without a rollout.",
    )
    migration: Migration | None = Field(default=None, description="Schema migration Job.")
    service_account: ServiceAccountSpec = Field(default_factory=ServiceAccountSpec)
    aws: AwsAccess = Field(
        default_factory=AwsAccess,
        description="AWS permissions (prod on EKS): an IAM role for the ServiceAccount. Left "
        "out: no AWS access at all.",
    )
    termination_grace_period_seconds: int = Field(
        default=30, ge=1, le=3600, description="Time to finish in-flight work on shutdown."
    )
    pre_stop_seconds: int = Field(
        default=5, ge=0, le=300,
        description="Sleep before SIGTERM so load balancers stop sending traffic first.",
    )
    environments: dict[Literal["dev", "prod", "pr"], Overrides] = Field(
        default_factory=dict,
        description="Per-environment overrides (dev, prod, pr for every preview stack).",
    )

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        return check_image(value)

    @field_validator("port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 1024 <= value <= 65535:
            why = ("lower ports need root, which containers here never have" if value < 1024
                   else "65535 is the highest TCP port")
            raise ValueError(f"must be from 1024 to 65535 (got {value}); {why}")
        return value

    @field_validator("calls", "secrets")
    @classmethod
    def _unique(cls, values: list[str]) -> list[str]:
        seen = {v for v in values if values.count(v) > 1}
        if seen:
            raise ValueError(f"must not repeat names (repeated: {', '.join(sorted(seen))})")
        return values

    @field_validator("config")
    @classmethod
    def _config_keys(cls, values: dict[str, object]) -> dict[str, object]:
        for key in values:
            if not re.match(ENV_VAR, key):
                raise ValueError(
                    f"key {key!r} must be an environment variable name (A-Z, 0-9, _)"
                )
            if CREDENTIAL_NAME.search(key):
                raise ValueError(
                    f"key {key!r} looks like a credential: list it under secrets instead, "
                    "so its value never lands in a ConfigMap"
                )
        return values

    @field_validator("flags")
    @classmethod
    def _flag_names(cls, values: dict[str, object]) -> dict[str, object]:
        for key in values:
            if not re.match(FLAG_NAME, key):
                raise ValueError(f"name {key!r} must be {PATTERN_HELP[FLAG_NAME]}")
        return values

    @model_validator(mode="after")
    def _cross_fields(self) -> ServiceSpec:
        if self.name in self.calls:
            raise error_at("calls", f"a service cannot call itself ({self.name!r})")
        overlap = sorted(set(self.secrets) & set(self.config))
        if overlap:
            raise error_at("secrets", f"names also set in config: {', '.join(overlap)}")
        if self.pre_stop_seconds >= self.termination_grace_period_seconds:
            raise error_at(
                "preStopSeconds",
                f"must be below terminationGracePeriodSeconds "
                f"(got {self.pre_stop_seconds} >= {self.termination_grace_period_seconds})",
            )
        self._check_disruption_leaves_room()
        return self

    def _check_disruption_leaves_room(self) -> None:
        # A PDB that can never be satisfied with the minimum replicas blocks every drain.
        floor = self.scaling.min
        min_available = self.disruption.min_available
        if isinstance(min_available, int) and floor > 1 and min_available >= floor:
            raise error_at(
                "disruption.minAvailable",
                f"must be below scaling.min (got {min_available} >= {floor}); otherwise no pod "
                "can ever be evicted",
            )
        if isinstance(min_available, str) and floor > 1 and \
                pods_at_percent(min_available, floor) >= floor:
            raise error_at(
                "disruption.minAvailable",
                f"{min_available} of scaling.min ({floor}) keeps all {floor} pods; lower it "
                "so at least one pod can be evicted",
            )
        if min_available in (0, "0%"):
            raise error_at(
                "disruption.minAvailable",
                f"{min_available!r} protects nothing; leave disruption out for the default "
                "(maxUnavailable: 1) or keep at least one pod",
            )
        if floor == 1 and self.scaling.autoscaled and min_available is not None:
            raise error_at(
                "disruption.minAvailable",
                f"{min_available!r} keeps the only pod at scaling.min 1, so no pod could be "
                "evicted; use maxUnavailable (default 1) or raise scaling.min",
            )
        max_unavailable = self.disruption.max_unavailable
        if isinstance(max_unavailable, str) and floor > 1 and \
                pods_at_percent(max_unavailable, floor) >= floor:
            raise error_at(
                "disruption.maxUnavailable",
                f"{max_unavailable} of scaling.min ({floor}) lets a drain take all {floor} "
                "pods at once; lower it",
            )
        if isinstance(max_unavailable, int) and max_unavailable >= floor and floor > 1:
            raise error_at(
                "disruption.maxUnavailable",
                f"must be below scaling.min (got {max_unavailable} >= {floor}); otherwise a "
                "drain may take every pod down at once",
            )

    @property
    def wants_pdb(self) -> bool:
        """Several replicas, or an autoscaler that may add them: a drain must go one at a time."""
        return self.scaling.min > 1 or self.scaling.autoscaled
