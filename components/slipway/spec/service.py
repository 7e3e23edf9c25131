"""The service spec as a whole: what a service team writes in services/<name>.yaml.

Every field has a safe default except `name`, `image` and `version`. Field names are camelCase in
YAML (the Kubernetes convention service teams already know) and snake_case in Python. Unknown
fields are errors so that a typo never passes silently. The JSON Schema in services/schema.json is
generated from these models (see `slipway.spec.schema`).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from .. import labels
from .aws import AwsAccess
from .calls import MAX_MAJOR, CallEntry, accepted_majors, callee, major
from .compatibility import Compatibility
from .config_values import (
    ConfigValue,
    FlagValue,
    check_config_map_size,
    check_plain_values,
    config_map_data,
    flags_file,
)
from .disruption import Disruption, pods_at_percent
from .egress import Egress
from .exposure import Exposure
from .kubernetes_names import migration_job_name
from .mesh import MeshPolicy
from .metrics import MetricsEndpoint
from .migration import Migration
from .overrides import Overrides
from .probes import Probes
from .release import Release
from .resources import Resources
from .scaling import Scaling
from .secret_values import is_secret_key
from .signature import ImageSignature
from .slo import Slo
from .validation import (
    COMMIT,
    DNS_LABEL,
    ENV_VAR,
    FLAG_NAME,
    MAX_LABEL,
    PATTERN_HELP,
    SEMVER,
    SpecModel,
    check_image,
    check_label_value,
    check_unprivileged_port,
    error_at,
)

MAX_DATA_KEY = 253
"""Kubernetes' limit on a ConfigMap or Secret key."""


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
    calls: list[CallEntry] = Field(
        default_factory=list,
        description="Services this one calls: egress here, ingress there. Each entry is a name "
        "(works with the callee's current major), or {service, majors} naming the callee's "
        "major versions this service works with, e.g. {service: inventory, majors: [1, 2]}.",
    )
    compatibility: Compatibility = Field(
        default_factory=Compatibility,
        description="Older major versions of its API this version still serves, so that a "
        "major bump need not wait for every caller.",
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
        return check_unprivileged_port(value)

    @field_validator("version")
    @classmethod
    def _version_label(cls, value: str) -> str:
        return check_label_value(value, labels.VERSION)

    @field_validator("team")
    @classmethod
    def _team_label(cls, value: str | None) -> str | None:
        return check_label_value(value, labels.TEAM) if value is not None else None

    @field_validator("secrets")
    @classmethod
    def _secret_name_length(cls, values: list[str]) -> list[str]:
        for value in values:
            if len(value) > MAX_DATA_KEY:
                raise ValueError(f"name {value[:40]}... is {len(value)} characters; a Secret key "
                                 f"is at most {MAX_DATA_KEY}")
        return values

    @field_validator("calls", "secrets")
    @classmethod
    def _unique(cls, values: list[CallEntry]) -> list[CallEntry]:
        seen = {v for v, count in Counter(map(callee, values)).items() if count > 1}
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
            if len(key) > MAX_DATA_KEY:
                raise ValueError(f"key {key[:40]}... is {len(key)} characters; a ConfigMap key "
                                 f"is at most {MAX_DATA_KEY}")
            if is_secret_key(key):
                raise ValueError(
                    f"key {key!r} looks like a credential: list it under secrets instead, "
                    "so its value never lands in a ConfigMap"
                )
        check_plain_values(values, "config")
        check_config_map_size(config_map_data(values), "config")
        return values

    @field_validator("flags")
    @classmethod
    def _flag_names(cls, values: dict[str, object]) -> dict[str, object]:
        for key in values:
            if not re.match(FLAG_NAME, key):
                raise ValueError(f"name {key!r} must be {PATTERN_HELP[FLAG_NAME]}")
        check_plain_values(values, "flags")
        check_config_map_size(flags_file(values), "flags")
        return values

    @model_validator(mode="after")
    def _cross_fields(self) -> ServiceSpec:
        if self.name in self.callees:
            raise error_at("calls", f"a service cannot call itself ({self.name!r})")
        own = major(self.version)
        if own > MAX_MAJOR:
            raise error_at("version", f"has the major version {own}, above {MAX_MAJOR}: no "
                                      "caller could list it in calls[].majors")
        newer = [m for m in self.compatibility.serves_majors if m >= own]
        if newer:
            raise error_at(
                "compatibility.servesMajors",
                f"lists {', '.join(map(str, newer))}, not older than this version's own major "
                f"{own} (version {self.version}); list only older majors this version still "
                f"serves (0 to {own - 1})" if own > 0 else
                f"lists {', '.join(map(str, newer))}, but version {self.version} is major 0: "
                "there is no older major to serve; drop servesMajors",
            )
        overlap = sorted(set(self.secrets) & set(self.config))
        if overlap:
            # Reported at the config key: that is what an environment override adds.
            raise error_at(
                f"config.{overlap[0]}",
                "is also listed in secrets; a name is either plain config or a secret, not both "
                "(drop it from config, or from secrets if it is not secret)",
            )
        if self.pre_stop_seconds >= self.termination_grace_period_seconds:
            raise error_at(
                "preStopSeconds",
                f"must be below terminationGracePeriodSeconds "
                f"(got {self.pre_stop_seconds} >= {self.termination_grace_period_seconds})",
            )
        self._check_disruption_leaves_room()
        if self.migration is not None:
            job = migration_job_name(self.name, self.version, self.migration.phase,
                                     truncate=False)
            if len(job) > MAX_LABEL:
                raise error_at(
                    "version",
                    f"names the migration Job {job!r} ({len(job)} characters, over Kubernetes' "
                    f"{MAX_LABEL}); shorten the version's pre-release or build part, or the "
                    "service name",
                )
        self._check_latency_threshold_is_a_bucket()
        return self

    def _check_latency_threshold_is_a_bucket(self) -> None:
        # The latency SLO reads the bucket `le` = threshold: between bounds there is no series,
        # the ratio has no data and its alerts can never fire.
        threshold = self.slo.latency.threshold_ms
        if not self.metrics.has_bound_ms(threshold):
            bounds = ", ".join(f"{round(b * 1000, 3):g}" for b in self.metrics.buckets)
            raise error_at(
                "slo.latency.thresholdMs",
                f"must be one of the histogram bucket bounds in metrics.buckets (in ms: "
                f"{bounds}; got {threshold}); between bounds no series exists, so the latency "
                f"SLO could never be measured nor alert. Pick a listed bound, or add "
                f"{threshold / 1000:g} to metrics.buckets (and to the service's histogram)",
            )

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
    def callees(self) -> list[str]:
        """The names of the services in `calls`, in the file's order."""
        return [callee(entry) for entry in self.calls]

    def majors_accepted(self, name: str) -> list[int] | None:
        """The majors of callee `name` this service works with; None: its current major."""
        return next((accepted_majors(e) for e in self.calls if callee(e) == name), None)

    @property
    def served_majors(self) -> list[int]:
        """Every major of the API this version serves: its own and `compatibility`'s."""
        return sorted({major(self.version), *self.compatibility.serves_majors})

    @property
    def wants_pdb(self) -> bool:
        """Several replicas, or an autoscaler that may add them: a drain must go one at a time."""
        return self.scaling.min > 1 or self.scaling.autoscaled
