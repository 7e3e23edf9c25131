"""The service spec: what a service team writes in services/<name>.yaml.

Every field has a safe default except `name`, `image` and `version`. Field names are camelCase in
YAML (the Kubernetes convention service teams already know) and snake_case in Python. Unknown
fields are errors so that a typo never passes silently. The JSON Schema in services/schema.json is
generated from these models (see `slipway.spec.schema`).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import itertools
import json
import math
import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from . import quantity

DNS_LABEL = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
ENV_VAR = r"^[A-Z_][A-Z0-9_]*$"
# registry/repository[:tag]@sha256:<64 hex>: a tag alone can be moved, a digest cannot.
IMAGE_BY_DIGEST = re.compile(
    r"^(?P<repository>[a-z0-9]+([._\-/:][a-z0-9]+)*)(:(?P<tag>[\w][\w.\-]{0,127}))?"
    r"@sha256:(?P<digest>[a-f0-9]{64})$"
)
SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.\-]+)?(\+[0-9A-Za-z.\-]+)?$"
# Config keys that look like credentials belong in `secrets`, never in a ConfigMap.
# Matched on whole words between underscores, so MAX_TOKENS or TOKENIZER_MODEL pass.
CREDENTIAL_NAME = re.compile(
    r"(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|APIKEY|API_KEY|PRIVATE_KEY|CREDENTIALS?)(_|$)"
)
HOST_NAME = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$"
URL_PATH = r"^/[-a-zA-Z0-9_./]*$"
COMMIT = r"^[0-9a-f]{7,40}$"
FLAG_NAME = r"^[A-Za-z][A-Za-z0-9_.\-]{0,62}$"

# What each pattern means, for error messages (a raw regex helps nobody).
PATTERN_HELP = {
    DNS_LABEL: "lowercase letters, digits and '-', starting with a letter and not ending in '-'",
    ENV_VAR: "an environment variable name (A-Z, 0-9 and _, not starting with a digit)",
    SEMVER: "a semantic version such as 1.2.3 (quote it in YAML, e.g. \"1.2.0\")",
    HOST_NAME: "a host name such as shop.example.com, without scheme, port or path",
    URL_PATH: "a path starting with '/' made of letters, digits, '-', '_', '.' and '/', "
    "e.g. /orders",
    COMMIT: "a git commit: 7 to 40 lowercase hex characters",
    r"^/": "a path starting with '/', e.g. /healthz",
    FLAG_NAME: "a flag name: letters, digits, '_', '.' and '-', starting with a letter, at most "
    "63 characters",
}

PERCENT = re.compile(r"^(100|[1-9]?[0-9])%$")


def _int_or_percent(value: object) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and PERCENT.match(value):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError(
        f"must be a whole number >= 0 or a percentage from 0% to 100% such as 25% (got {value!r})"
    )


def _quantity_text(value: object) -> object:
    """YAML reads `cpu: 2` or `target: 50` as numbers; quantities are text in Kubernetes."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


QuantityText = Annotated[str, BeforeValidator(_quantity_text)]


def _config_value(value: object) -> str | int | float | bool:
    if isinstance(value, str | int | float | bool):
        return value
    raise ValueError(
        f"must be a string, number or boolean; nested values are not environment variables "
        f"(got {value!r})"
    )


ConfigValue = Annotated[
    str | int | float | bool,
    PlainValidator(_config_value),
    WithJsonSchema({"type": ["string", "number", "boolean"]}),
]

# Kubernetes' IntOrString for pod counts: 2 or "25%". One validator, so one clear message.
IntOrPercent = Annotated[
    int | str,
    PlainValidator(_int_or_percent),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0},
                              {"type": "string", "pattern": PERCENT.pattern}]}),
]


class SpecModel(BaseModel):
    """Base for every spec section: camelCase in YAML, unknown fields refused, values frozen."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


class Limits(SpecModel):
    cpu: QuantityText | None = Field(
        default=None,
        description="CPU limit. Left out: no CPU limit (throttling hurts latency; requests "
        "already reserve capacity).",
    )
    memory: QuantityText | None = Field(
        default=None,
        description="Memory limit. Left out: equal to the memory request (the pod cannot be "
        "OOM-killed for using what it asked for, nor take more).",
    )


class Resources(SpecModel):
    cpu: QuantityText = Field(default="100m", description="CPU request, e.g. 200m.")
    memory: QuantityText = Field(default="128Mi", description="Memory request, e.g. 512Mi.")
    limits: Limits = Field(default_factory=Limits, description="Upper bounds for the container.")

    @field_validator("cpu")
    @classmethod
    def _cpu(cls, value: str) -> str:
        quantity.cpu(value)
        return value

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str) -> str:
        quantity.memory(value)
        return value

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> Resources:
        if self.limits.cpu is not None:
            try:
                limit = quantity.cpu(self.limits.cpu)
            except ValueError as err:
                raise _at("limits.cpu", str(err)) from None
            if limit < quantity.cpu(self.cpu):
                raise _at("limits.cpu", f"must be >= cpu (got {self.limits.cpu} < {self.cpu})")
        if self.limits.memory is not None:
            try:
                limit = quantity.memory(self.limits.memory)
            except ValueError as err:
                raise _at("limits.memory", str(err)) from None
            if limit < quantity.memory(self.memory):
                raise _at(
                    "limits.memory",
                    f"must be >= memory (got {self.limits.memory} < {self.memory})",
                )
        return self

    @property
    def memory_limit(self) -> str:
        return self.limits.memory if self.limits.memory is not None else self.memory


class Probe(SpecModel):
    """One health check. In YAML a plain string is shorthand for an HTTP path."""

    path: str | None = Field(
        default=None, pattern=r"^/", description="HTTP GET path. Left out: a TCP check."
    )
    port: int | None = Field(
        default=None, ge=1, le=65535, description="Port to check. Left out: the service port."
    )
    initial_delay_seconds: int = Field(default=0, ge=0, le=3600)
    period_seconds: int = Field(default=10, ge=1, le=300)
    timeout_seconds: int = Field(default=2, ge=1, le=60)
    failure_threshold: int = Field(default=3, ge=1, le=100)

    @model_validator(mode="before")
    @classmethod
    def _path_shorthand(cls, value: object) -> object:
        return {"path": value} if isinstance(value, str) else value


PROBE_DEFAULTS: dict[str, dict[str, int]] = {
    "readiness": {},
    "liveness": {"periodSeconds": 20},
    # Hold liveness and readiness for up to 5 minutes while the app starts.
    "startup": {"periodSeconds": 5, "failureThreshold": 60},
}


class Probes(SpecModel):
    """Health checks. Each left out is a TCP check on the service port; each given keeps the
    role's timing defaults for whatever it does not set (liveness every 20s, startup every 5s
    for up to 60 tries)."""

    readiness: Probe = Field(description="Gates traffic.")
    liveness: Probe = Field(description="Restarts a stuck container.")
    startup: Probe = Field(description="Holds the other probes until the app has started.")

    @model_validator(mode="before")
    @classmethod
    def _role_defaults(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        merged: dict[str, object] = dict(value)
        for role, defaults in PROBE_DEFAULTS.items():
            given = merged.get(role, {})
            if isinstance(given, str):
                given = {"path": given}
            if isinstance(given, dict):
                merged[role] = {**defaults, **given}
        return merged


class Metric(SpecModel):
    """A custom autoscaling metric (needs a metrics adapter in the cluster)."""

    type: Literal["pods", "external"] = Field(
        description="pods: a per-pod metric such as requests per second; external: a metric "
        "outside the cluster such as queue depth."
    )
    name: str = Field(min_length=1, description="Metric name as the metrics adapter serves it.")
    target: QuantityText = Field(description="Target average value per pod, e.g. 100 or 500m.")
    selector: dict[str, str] = Field(
        default_factory=dict, description="Label selector narrowing the metric (e.g. queue)."
    )

    @field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        if quantity.parse_quantity(value, "a quantity such as 100 or 500m") <= 0:
            raise ValueError(f"must be a quantity above zero such as 100 or 500m (got {value!r})")
        return value


class Scaling(SpecModel):
    min: int = Field(default=2, ge=1, le=1000, description="Minimum replicas (2: survive a node).")
    max: int = Field(
        default=4, ge=1, le=1000,
        description="Maximum replicas. Equal to min: fixed replicas and no autoscaler.",
    )
    cpu: int | None = Field(
        default=70, ge=1, le=100, description="Target CPU utilisation in percent; null: off."
    )
    memory: int | None = Field(
        default=None, ge=1, le=100, description="Target memory utilisation in percent."
    )
    metrics: list[Metric] = Field(default_factory=list, description="Custom metrics to scale on.")

    @model_validator(mode="after")
    def _bounds(self) -> Scaling:
        if self.min > self.max:
            raise _at("min", f"must be <= scaling.max (got {self.min} > {self.max})")
        if self.autoscaled and self.cpu is None and self.memory is None and not self.metrics:
            raise _at(
                "max",
                f"is above scaling.min ({self.max} > {self.min}) but nothing to scale on: "
                "set cpu, memory or metrics, or make max equal to min",
            )
        return self

    @property
    def autoscaled(self) -> bool:
        return self.max > self.min


class Disruption(SpecModel):
    """How many pods voluntary evictions (node drains, upgrades) may take down at once."""

    max_unavailable: IntOrPercent | None = Field(
        default=None, description="Pods that may be down at once. Default 1 when both are left out."
    )
    min_available: IntOrPercent | None = Field(
        default=None, description="Pods that must stay up. Must leave room below scaling.min."
    )

    @model_validator(mode="after")
    def _one_of(self) -> Disruption:
        if self.max_unavailable is not None and self.min_available is not None:
            raise _at("minAvailable", "set either maxUnavailable or minAvailable, not both")
        if self.max_unavailable in (0, "0%"):
            raise _at(
                "maxUnavailable",
                f"must allow at least one eviction (got {self.max_unavailable!r}); "
                "a PDB that allows none blocks every node drain",
            )
        if self.min_available == "100%":
            raise _at("minAvailable", "must be below 100% (a PDB at 100% blocks every node drain)")
        return self


DEFAULT_CANARY_STEPS = (1, 5, 25, 100)
# Only a canary has steps and a canary size; saying them for another strategy is a mistake.
CANARY_ONLY = {"steps": "steps", "canary_replicas": "canaryReplicas"}


class Release(SpecModel):
    """How a new version replaces the old one. `slipway release` drives blue-green and canary
    releases step by step (docs/releases.md); rolling needs nothing but `slipway up`."""

    strategy: Literal["rolling", "blue-green", "canary"] = Field(
        default="rolling",
        description="rolling (default): pods are replaced a few at a time. blue-green: the new "
        "version starts in the idle slot behind a preview Service, then traffic flips to it at "
        "once (and can flip back). canary: the new version takes a growing share of traffic "
        "(steps), gated by the SLO.",
    )
    max_surge: IntOrPercent | None = Field(
        default=None, description="Extra pods during a rollout. Default: the environment's."
    )
    max_unavailable: IntOrPercent | None = Field(
        default=None, description="Pods missing during a rollout. Default: the environment's."
    )
    steps: list[int] = Field(
        default_factory=lambda: list(DEFAULT_CANARY_STEPS),
        description="canary only: percent of traffic the new version gets at each step, "
        "strictly increasing from 1 to 100 and ending at 100. Default [1, 5, 25, 100].",
    )
    bake_seconds: int = Field(
        default=300, ge=1, le=86_400,
        description="How long each canary step runs before `slipway release --auto` judges it "
        "against the SLO. Default 300 (5 minutes).",
    )
    canary_replicas: int = Field(
        default=1, ge=1, le=100,
        description="canary only: pods running the new version while it takes part of the "
        "traffic. Default 1.",
    )

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[int]) -> list[int]:
        if not steps:
            raise ValueError("must list at least one step ending at 100, e.g. [1, 5, 25, 100]")
        outside = [step for step in steps if not 1 <= step <= 100]
        if outside:
            raise ValueError(
                f"each step is a traffic percentage from 1 to 100 (got {outside[0]})"
            )
        for before, after in itertools.pairwise(steps):
            if after <= before:
                raise ValueError(
                    f"must be strictly increasing (got {after} after {before}), "
                    "e.g. [1, 5, 25, 100]"
                )
        if steps[-1] != 100:
            raise ValueError(
                f"must end at 100, where the new version takes all traffic and becomes stable "
                f"(got {steps[-1]} last)"
            )
        return steps

    @model_validator(mode="after")
    def _rollout_moves(self) -> Release:
        if self.max_surge in (0, "0%") and self.max_unavailable in (0, "0%"):
            raise _at(
                "maxUnavailable",
                "maxSurge and maxUnavailable cannot both be 0: the rollout could never progress",
            )
        if self.strategy != "canary":
            for name, alias in CANARY_ONLY.items():
                if name in self.model_fields_set:
                    raise _at(
                        alias,
                        f"only applies to strategy: canary (strategy is {self.strategy}); "
                        f"drop {alias} or set strategy: canary",
                    )
        return self


class LatencyObjective(SpecModel):
    threshold_ms: int = Field(
        default=500, ge=1, le=60_000,
        description="Requests faster than this count as good. Default 500 ms.",
    )
    percent: float = Field(
        default=95.0, gt=50, lt=100,
        description="Share of requests that must be faster than thresholdMs, e.g. 95 for "
        "'p95 under thresholdMs'. Default 95.",
    )


class Slo(SpecModel):
    """Service level objectives: SLO alerts (burn rates) and the canary gate both read them."""

    availability: float = Field(
        default=99.9, ge=90, lt=100,
        description="Percent of requests that must not fail (HTTP 5xx) over windowDays. "
        "Default 99.9: an error budget of 0.1%.",
    )
    latency: LatencyObjective = Field(default_factory=LatencyObjective)
    window_days: int = Field(
        default=30, ge=7, le=90, description="Compliance window in days. Default 30."
    )

    @property
    def error_budget(self) -> float:
        """Fraction of requests allowed to fail, e.g. 0.001 for 99.9%."""
        return round(1 - self.availability / 100, 10)

    @property
    def latency_budget(self) -> float:
        """Fraction of requests allowed to be slower than the latency threshold."""
        return round(1 - self.latency.percent / 100, 10)


class RateLimit(SpecModel):
    """A token bucket at the public gateway for this service's host (Istio local rate limit)."""

    requests_per_second: int = Field(
        ge=1, le=100_000, description="Tokens added per second: the sustained request rate."
    )
    burst: int | None = Field(
        default=None, ge=1, le=1_000_000,
        description="Bucket size: requests allowed at once after a quiet spell. Default: "
        "requestsPerSecond (no burst above the sustained rate).",
    )

    @model_validator(mode="after")
    def _burst_covers_rate(self) -> RateLimit:
        if self.burst is not None and self.burst < self.requests_per_second:
            raise _at(
                "burst",
                f"must be >= requestsPerSecond (got {self.burst} < {self.requests_per_second}); "
                "a bucket smaller than one second's refill can never reach the sustained rate",
            )
        return self

    @property
    def bucket_size(self) -> int:
        return self.burst if self.burst is not None else self.requests_per_second


class Exposure(SpecModel):
    public: bool = Field(default=False, description="Reachable from the ingress gateway.")
    host: str | None = Field(
        default=None,
        pattern=HOST_NAME,
        description="Public host name; required when public.",
    )
    path: str = Field(default="/", pattern=URL_PATH, description="Path prefix.")
    rate_limit: RateLimit | None = Field(
        default=None,
        description="Requests per second (and burst) the public gateway lets through to this "
        "host; above it clients get HTTP 429. Left out: no limit. Only for public services.",
    )

    @model_validator(mode="after")
    def _host_when_public(self) -> Exposure:
        if self.public and self.host is None:
            raise _at("host", "is required when exposure.public is true (e.g. orders.example.com)")
        if not self.public and self.host is not None:
            raise _at("public", "is false, so host would be ignored: set public: true or drop host")
        if not self.public and self.rate_limit is not None:
            raise _at(
                "rateLimit",
                "applies at the public gateway only, and exposure.public is false: set "
                "public: true (with a host) or drop rateLimit",
            )
        return self


class MetricsEndpoint(SpecModel):
    """Where Prometheus scrapes the service (through its Service port `http`)."""

    path: str = Field(default="/metrics", pattern=URL_PATH,
                      description="HTTP path of the Prometheus metrics. Default /metrics.")
    interval: str = Field(default="30s", description="Scrape interval, e.g. 15s or 1m. "
                          "Default 30s.")

    @field_validator("interval", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        if not (isinstance(value, str) and re.match(r"^[1-9][0-9]*(s|m)$", value)):
            raise ValueError(f"must be a duration in seconds or minutes such as 30s or 1m "
                             f"(got {value!r})")
        return value


# Envoy's retry conditions (x-envoy-retry-on and x-envoy-retry-grpc-on) that Istio accepts.
RETRY_CONDITIONS = (
    "5xx", "gateway-error", "reset", "connect-failure", "envoy-ratelimited", "retriable-4xx",
    "refused-stream", "retriable-status-codes", "retriable-headers", "cancelled",
    "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
)


class Retries(SpecModel):
    attempts: int = Field(
        default=2, ge=0, le=10,
        description="Retries after the first try (0: none). Default 2.",
    )
    per_try_timeout_ms: int = Field(
        default=1000, ge=1, le=300_000,
        description="Time limit of each try, in milliseconds. Default 1000.",
    )
    retry_on: list[str] = Field(
        default_factory=lambda: ["connect-failure", "refused-stream", "unavailable", "cancelled"],
        description="Envoy retry conditions. Default: failures where the request never reached "
        "the app (connect-failure, refused-stream, unavailable, cancelled), which are safe for "
        "non-idempotent requests; add 5xx only for idempotent APIs.",
    )

    @field_validator("retry_on")
    @classmethod
    def _known_conditions(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if v not in RETRY_CONDITIONS]
        if unknown:
            raise ValueError(
                f"unknown retry condition {unknown[0]!r}; valid: {', '.join(RETRY_CONDITIONS)}"
            )
        if not values:
            raise ValueError("must list at least one condition; to turn retries off set "
                             "attempts: 0")
        return values


class CircuitBreaker(SpecModel):
    """Connection pool limits and outlier detection (Istio DestinationRule)."""

    max_connections: int = Field(default=100, ge=1, le=100_000,
                                 description="TCP connections to the service per caller pod.")
    max_pending_requests: int = Field(
        default=100, ge=1, le=100_000,
        description="Requests queued while waiting for a connection; more fail fast (503).",
    )
    max_requests: int = Field(default=1000, ge=1, le=1_000_000,
                              description="Concurrent requests to the service per caller pod.")
    consecutive_errors: int = Field(
        default=5, ge=1, le=1000,
        description="Consecutive 5xx (or connection errors) that eject a pod. Default 5.",
    )
    interval_seconds: int = Field(default=10, ge=1, le=3600,
                                  description="How often pods are checked. Default 10.")
    base_ejection_seconds: int = Field(
        default=30, ge=1, le=3600,
        description="How long an ejected pod stays out (times the ejections so far). Default 30.",
    )
    max_ejection_percent: int = Field(
        default=50, ge=1, le=100,
        description="At most this share of pods is ejected at once. Default 50.",
    )


class MeshPolicy(SpecModel):
    """Timeouts, retries and circuit breaking in the Istio mesh (when the stack has a mesh)."""

    timeout_ms: int = Field(
        default=3000, ge=1, le=600_000,
        description="Whole-request deadline in milliseconds, retries included. Default 3000.",
    )
    retries: Retries = Field(default_factory=Retries)
    circuit_breaker: CircuitBreaker = Field(default_factory=CircuitBreaker)

    @model_validator(mode="after")
    def _retries_fit_the_deadline(self) -> MeshPolicy:
        retries = self.retries
        tries = retries.attempts + 1  # the first try counts against the deadline too
        needed = tries * retries.per_try_timeout_ms
        if retries.attempts > 0 and needed > self.timeout_ms:
            raise _at(
                "retries.perTryTimeoutMs",
                f"(1 + attempts) x perTryTimeoutMs must fit in timeoutMs (got {tries} x "
                f"{retries.per_try_timeout_ms} = {needed} > {self.timeout_ms}); lower attempts "
                "or perTryTimeoutMs, or raise timeoutMs",
            )
        if retries.per_try_timeout_ms > self.timeout_ms:
            raise _at(
                "retries.perTryTimeoutMs",
                f"must be <= timeoutMs (got {retries.per_try_timeout_ms} > {self.timeout_ms})",
            )
        return self


class Egress(SpecModel):
    """Traffic to something outside the catalog (a payment provider, a managed database)."""

    cidr: str = Field(description="Destination network, e.g. 203.0.113.0/24.")
    ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default_factory=lambda: [443],
        description="TCP ports allowed (at least one: an empty list would allow every port).",
    )

    @field_validator("ports")
    @classmethod
    def _some_ports(cls, ports: list[int]) -> list[int]:
        if not ports:
            raise ValueError(
                "must list at least one port, e.g. [443]; an empty list would allow every port"
            )
        return ports

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            ipaddress.ip_network(value, strict=True)
        except ValueError:
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                network = None
            if network is not None:
                raise ValueError(
                    f"has host bits set (got {value!r}); did you mean {network}?"
                ) from None
            raise ValueError(
                f"must be a network in CIDR form such as 10.0.0.0/16 (got {value!r})"
            ) from None
        return value


def _base64(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("must not be empty")
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be base64 (as cosign prints it)") from None
    return text


class ImageSignature(SpecModel):
    """The image's cosign signature, as `cosign download signature` prints it (its `Payload`
    and `Base64Signature`). It goes on the pod template as the annotation
    `slipway.dev/signature.<container>`, where the policy pack verifies it (policy/README.md)."""

    payload: str = Field(
        description="Base64 of the simple-signing payload that was signed (cosign's Payload): "
        "it names the image's repository and digest."
    )
    base64_signature: str = Field(
        description="Base64 DER ECDSA signature over the payload (cosign's Base64Signature)."
    )

    @field_validator("payload", "base64_signature")
    @classmethod
    def _encoded(cls, value: str) -> str:
        return _base64(value)

    def annotation(self) -> str:
        """The annotation value, in cosign's own field names."""
        return json.dumps({"Payload": self.payload, "Base64Signature": self.base64_signature},
                          separators=(",", ":"))


class Migration(SpecModel):
    """An expand-contract schema migration, run as a Job before the new version takes traffic."""

    phase: Literal["expand", "contract"] = Field(
        default="expand",
        description="expand (default): additive changes the running version tolerates, run "
        "before the new version takes traffic. contract: destructive changes (dropping what "
        "the old version still reads); refused in a release that changes the version, so it "
        "runs on its own once the previous version is gone.",
    )
    image: str = Field(description="Migration image, pinned by digest.")
    signature: ImageSignature | None = Field(
        default=None, description="cosign signature of the migration image (see signature)."
    )
    command: list[str] = Field(description="Command to run, e.g. [/app/migrate, up].")
    args: list[str] = Field(default_factory=list)
    timeout_seconds: int = Field(default=600, ge=30, le=86_400)
    backoff_limit: int = Field(default=1, ge=0, le=10)

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        return _check_image(value)

    @field_validator("command")
    @classmethod
    def _command(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must name the command to run, e.g. [/app/migrate, up]")
        return value


class ServiceAccountSpec(SpecModel):
    automount_token: bool = Field(
        default=False,
        description="Mount a Kubernetes API token in the pods. Off: most services never call "
        "the API, and a stolen token is a foothold.",
    )


# service:Action with no wildcard anywhere: `s3:*` or `s3:Get*` grant more than the service
# declares it needs, which is what least privilege forbids.
IAM_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")
# arn:partition:service:region:account:resource (region and account may be empty, as for S3).
ARN = re.compile(r"^arn:aws(-[a-z]+)*:[a-z0-9-]+:[a-z0-9-]*:([0-9]{12})?:(?P<resource>.+)$")


class AwsPermission(SpecModel):
    """One IAM statement: these actions on these resources, nothing else."""

    actions: list[str] = Field(description="IAM actions such as s3:GetObject; no wildcards.")
    resources: list[str] = Field(
        description="Resource ARNs such as arn:aws:s3:::orders-invoices/*; never '*' alone.",
    )

    @field_validator("actions")
    @classmethod
    def _actions(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError("must name at least one action, e.g. [s3:GetObject]")
        for value in values:
            if "*" in value or "?" in value:
                raise ValueError(
                    f"{value!r} is a wildcard action; name each action the service needs, "
                    "e.g. s3:GetObject"
                )
            if not IAM_ACTION.match(value):
                raise ValueError(
                    f"{value!r} is not an IAM action; write service:Action, e.g. s3:GetObject"
                )
        return values

    @field_validator("resources")
    @classmethod
    def _resources(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError("must name at least one resource ARN, e.g. "
                             "[arn:aws:s3:::orders-invoices/*]")
        for value in values:
            if value.strip("*") == "":
                raise ValueError(
                    f"{value!r} is every resource in the account; name the ARNs the service "
                    "needs, e.g. arn:aws:s3:::orders-invoices/*"
                )
            match = ARN.match(value)
            if match is None:
                raise ValueError(
                    f"{value!r} is not an ARN; write arn:aws:<service>:<region>:<account>:"
                    "<resource>, e.g. arn:aws:s3:::orders-invoices/*"
                )
            if match["resource"].strip("*") == "":
                raise ValueError(
                    f"{value!r} names every resource of the service; name the resources "
                    "the service needs, e.g. arn:aws:s3:::orders-invoices/*"
                )
        return values


class AwsAccess(SpecModel):
    """What the service may do in AWS: an IAM role (IRSA) bound to its ServiceAccount."""

    permissions: list[AwsPermission] = Field(
        default_factory=list,
        description="IAM statements the service's role allows. Empty (default): no role.",
    )


class Overrides(SpecModel):
    """Per-environment changes, merged onto the base spec (mappings merge, lists replace)."""

    image: str | None = None
    signature: dict[str, object] | None = None
    version: str | None = None
    port: int | None = None
    resources: dict[str, object] | None = None
    probes: dict[str, object] | None = None
    scaling: dict[str, object] | None = None
    disruption: dict[str, object] | None = None
    release: dict[str, object] | None = None
    slo: dict[str, object] | None = None
    exposure: dict[str, object] | None = None
    mesh: dict[str, object] | None = None
    config: dict[str, ConfigValue] | None = None
    flags: dict[str, FlagValue] | None = None
    egress: list[dict[str, object]] | None = None
    termination_grace_period_seconds: int | None = None


ENVIRONMENT_KEYS = ("dev", "prod", "pr")


def _flag_value(value: object) -> bool | str | int | float:
    if isinstance(value, bool | str | int | float):
        return value
    raise ValueError(f"must be a boolean, string or number (got {value!r})")


FlagValue = Annotated[
    bool | str | int | float,
    PlainValidator(_flag_value),
    WithJsonSchema({"type": ["boolean", "string", "number"]}),
]


def _check_image(value: str) -> str:
    if not IMAGE_BY_DIGEST.match(value):
        raise ValueError(
            "must be pinned by digest as registry/repository@sha256:<64 hex> "
            f"(a tag can be moved; got {value!r})"
        )
    return value


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
        return _check_image(value)

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
            raise _at("calls", f"a service cannot call itself ({self.name!r})")
        overlap = sorted(set(self.secrets) & set(self.config))
        if overlap:
            raise _at("secrets", f"names also set in config: {', '.join(overlap)}")
        if self.pre_stop_seconds >= self.termination_grace_period_seconds:
            raise _at(
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
            raise _at(
                "disruption.minAvailable",
                f"must be below scaling.min (got {min_available} >= {floor}); otherwise no pod "
                "can ever be evicted",
            )
        if isinstance(min_available, str) and floor > 1 and \
                _pods(min_available, floor) >= floor:
            raise _at(
                "disruption.minAvailable",
                f"{min_available} of scaling.min ({floor}) keeps all {floor} pods; lower it "
                "so at least one pod can be evicted",
            )
        if min_available in (0, "0%"):
            raise _at(
                "disruption.minAvailable",
                f"{min_available!r} protects nothing; leave disruption out for the default "
                "(maxUnavailable: 1) or keep at least one pod",
            )
        if floor == 1 and self.scaling.autoscaled and min_available is not None:
            raise _at(
                "disruption.minAvailable",
                f"{min_available!r} keeps the only pod at scaling.min 1, so no pod could be "
                "evicted; use maxUnavailable (default 1) or raise scaling.min",
            )
        max_unavailable = self.disruption.max_unavailable
        if isinstance(max_unavailable, str) and floor > 1 and \
                _pods(max_unavailable, floor) >= floor:
            raise _at(
                "disruption.maxUnavailable",
                f"{max_unavailable} of scaling.min ({floor}) lets a drain take all {floor} "
                "pods at once; lower it",
            )
        if isinstance(max_unavailable, int) and max_unavailable >= floor and floor > 1:
            raise _at(
                "disruption.maxUnavailable",
                f"must be below scaling.min (got {max_unavailable} >= {floor}); otherwise a "
                "drain may take every pod down at once",
            )

    @property
    def wants_pdb(self) -> bool:
        """Several replicas, or an autoscaler that may add them: a drain must go one at a time."""
        return self.scaling.min > 1 or self.scaling.autoscaled


class FieldError(ValueError):
    """A validation error that knows which nested field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _pods(percent: str, replicas: int) -> int:
    """Pods a PDB percentage stands for: Kubernetes rounds both minAvailable and
    maxUnavailable percentages up."""
    return math.ceil(int(percent.rstrip("%")) * replicas / 100)


def _at(field: str, message: str) -> FieldError:
    return FieldError(field, message)
