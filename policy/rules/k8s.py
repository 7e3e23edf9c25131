"""Kubernetes shapes as the Pulumi engine hands them to a policy: camelCase property dicts.

Everything here is plain Python: the rules read resources through these helpers so that a
missing field, a field of the wrong type and a field whose value is unknown during preview are
each handled on purpose, never by a KeyError or a silent pass.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeVar

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
)

UNKNOWN_SENTINELS: Final = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)

Path = tuple[str | int, ...]


class _Labelled(Protocol):
    @property
    def label(self) -> str: ...


R = TypeVar("R", bound=_Labelled)

SERVICE_TYPE: Final = "kubernetes:core/v1:Service"
CONFIGMAP_TYPE: Final = "kubernetes:core/v1:ConfigMap"
PDB_TYPE: Final = "kubernetes:policy/v1:PodDisruptionBudget"
NETWORK_POLICY_TYPE: Final = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
HPA_TYPES: Final = frozenset(
    {
        "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler",
    }
)

# Where each kind that holds a pod keeps its pod template (metadata) and pod spec. This is the
# one place that knows: every pod rule reads pods through it, so a kind added here is checked
# by all of them.
_TEMPLATE: Final[dict[str, Path]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
    "PodTemplate": ("template",),
}
# Kinds that run pods (a PodTemplate only describes one: pod rules check it, stack rules that
# count running pods do not).
WORKLOAD_KINDS: Final = frozenset(_TEMPLATE) - {"PodTemplate"}
POD_TEMPLATE_KINDS: Final = frozenset(_TEMPLATE)
# The API groups those kinds live in, in any version (apps/v1, apps/v1beta2, extensions/v1beta1,
# batch/v1beta1 ...): an old API version is no way around the rules.
_POD_GROUPS: Final = frozenset({"core", "apps", "extensions", "batch"})


def pod_kind(resource_type: str) -> str | None:
    """The kind, when a Pulumi type token names a Kubernetes kind that holds a pod spec."""
    parts = resource_type.split(":")
    if len(parts) != 3 or parts[0] != "kubernetes":
        return None
    group = parts[1].split("/", 1)[0]
    kind = parts[2]
    return kind if group in _POD_GROUPS and kind in POD_TEMPLATE_KINDS else None


def is_pod_type(resource_type: str) -> bool:
    return pod_kind(resource_type) is not None


def is_workload_type(resource_type: str) -> bool:
    return pod_kind(resource_type) in WORKLOAD_KINDS


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


MISSING: Final = _Missing()
UNKNOWN: Final = _Unknown()


class Violations(list[str]):
    """Violation messages, plus what could not be checked because it is unknown in preview.

    A rule appends a message per violation. When a value it needs is unknown (computed from
    another resource's output during preview), it records the field in ``unknown`` instead of
    passing it: the policy wrapper then reports the check as deferred, and the engine runs it
    again at update time, when the value is known.
    """

    def __init__(self, messages: Iterable[str] = ()) -> None:
        super().__init__(messages)
        self.unknown: list[str] = []
        self.urns: dict[int, str] = {}
        self.subject: str | None = None  # the resource a stack rule is looking at

    def add(self, message: str, urn: str | None = None) -> None:
        """Append a message; a stack rule names the resource it is about by URN."""
        if urn is not None:
            self.urns[len(self)] = urn
        self.append(message)

    def urn(self, index: int) -> str | None:
        return self.urns.get(index)

    def defer(self, where: str, of: str | None = None) -> None:
        """Record a field unknown until update, naming the resource a stack rule is at."""
        of = of or self.subject
        entry = f"{of}: {where}" if of else where
        if entry not in self.unknown:
            self.unknown.append(entry)

    def each(self, resources: Iterable[R]) -> Iterator[R]:
        """Iterate a stack rule's resources; what is deferred meanwhile names the resource."""
        try:
            for resource in resources:
                self.subject = resource.label
                yield resource
        finally:
            self.subject = None


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def plain(value: Any) -> Any:
    """Unwrap pulumi_policy's unknown-checking proxies into plain dicts and lists.

    The sentinels for unknown values are kept as they are, so the rules can tell them apart.
    The engine passes every number as a float (a protobuf Struct has no integers): a whole
    float becomes an int again, so ``replicas: 3`` reads as 3, not 3.0.
    """
    if isinstance(value, str | bytes):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        target = value if isinstance(value, dict) else value["__target"]
        return {key: plain(item) for key, item in target.items()}
    if isinstance(value, Sequence):
        target = value if isinstance(value, list | tuple) else _target(value)
        return [plain(item) for item in target]
    return value


def _target(proxy: Any) -> Any:
    """The list a pulumi_policy list proxy wraps (it answers the key "__target")."""
    return proxy["__target"]


def fmt(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def lookup(obj: Any, path: Path) -> Any:
    """The value at ``path``: MISSING when absent, UNKNOWN when it (or a parent) is unknown."""
    current = obj
    for part in path:
        if is_unknown(current):
            return UNKNOWN
        if isinstance(part, int):
            if not isinstance(current, list) or part >= len(current):
                return MISSING
        elif not isinstance(current, dict) or part not in current:
            return MISSING
        current = current[part]
    if is_unknown(current):
        return UNKNOWN
    return current


def get(obj: Any, path: Path, out: Violations, base: Path = ()) -> Any:
    """The value at ``path`` (None when absent); an unknown one is recorded in ``out``.

    ``base`` is where ``obj`` sits in the resource, so the recorded field is the full path.
    """
    value = lookup(obj, path)
    if value is UNKNOWN:
        out.defer(fmt(base + path))
    return None if value is MISSING else value


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def kind_of(props: Mapping[str, Any]) -> str:
    kind = props.get("kind")
    return kind if isinstance(kind, str) and not is_unknown(kind) else "Resource"


def namespace_of(props: Mapping[str, Any]) -> str | None:
    """The namespace, with an omitted one read as "default"; None when unknown in preview."""
    value = lookup(props, ("metadata", "namespace"))
    if value is UNKNOWN:
        return None
    return value if isinstance(value, str) and value else "default"


def label(props: Mapping[str, Any]) -> str:
    """How messages name a resource: ``Deployment 'shop/orders'``."""
    name = lookup(props, ("metadata", "name"))
    namespace = lookup(props, ("metadata", "namespace"))
    if not isinstance(name, str) or is_unknown(name):
        name = "(name unknown until update)" if name is UNKNOWN else "(unnamed)"
    if isinstance(namespace, str) and namespace and not is_unknown(namespace):
        name = f"{namespace}/{name}"
    return f"{kind_of(props)} '{name}'"


def template_path(kind: str) -> Path:
    return _TEMPLATE[kind]


def pod_spec_path(kind: str) -> Path:
    return (*_TEMPLATE[kind], "spec")


def pod_labels(props: Mapping[str, Any], kind: str, out: Violations) -> dict[str, Any] | None:
    """The pod template's labels; None when they are unknown during preview."""
    value = get(props, (*_TEMPLATE[kind], "metadata", "labels"), out)
    if value is UNKNOWN:
        return None
    labels = as_dict(value)
    if any(is_unknown(v) for v in labels.values()):
        out.defer(fmt((*_TEMPLATE[kind], "metadata", "labels")))
        return None
    return labels


CONTAINER_FIELDS: Final = ("containers", "initContainers", "ephemeralContainers")
_TITLES: Final = {"containers": "container", "initContainers": "init container",
                  "ephemeralContainers": "ephemeral container"}


@dataclass(frozen=True)
class Container:
    """One container of a pod spec, with the path that names it in messages."""

    name: str
    path: Path
    spec: dict[str, Any]
    field: str = "containers"  # containers, initContainers or ephemeralContainers

    @property
    def init(self) -> bool:
        return self.field == "initContainers"

    @property
    def ephemeral(self) -> bool:
        return self.field == "ephemeralContainers"

    @property
    def sidecar(self) -> bool:
        """An init container that keeps running next to the app (restartPolicy: Always)."""
        return self.init and self.spec.get("restartPolicy") == "Always"

    @property
    def title(self) -> str:
        return f"{_TITLES[self.field]} '{self.name}'"


def containers(
    props: Mapping[str, Any], kind: str, out: Violations, *, ephemeral: bool = False
) -> list[Container]:
    """Containers then init containers (then ephemeral containers when asked for).

    Ephemeral containers (kubectl debug) take no probes, resources or ports, so only the rules
    that hold for every process of the pod (security, credentials) ask for them. Unknown lists
    or entries are recorded in ``out``.
    """
    found: list[Container] = []
    spec_path = pod_spec_path(kind)
    fields = CONTAINER_FIELDS if ephemeral else CONTAINER_FIELDS[:2]
    for field in fields:
        items = get(props, (*spec_path, field), out)
        for index, item in enumerate(as_list(items)):
            path = (*spec_path, field, index)
            if is_unknown(item):
                out.defer(fmt(path))
                continue
            if not isinstance(item, dict):
                continue
            name = item.get("name")
            if not isinstance(name, str) or is_unknown(name):
                name = f"#{index}"
            found.append(Container(name, path, item, field))
    return found


def selector_matches(selector: Any, labels: Mapping[str, Any]) -> bool:
    """Kubernetes LabelSelector semantics; an empty selector matches every pod."""
    if not isinstance(selector, dict):
        return False
    for label_key, value in as_dict(selector.get("matchLabels")).items():
        if labels.get(label_key) != value:
            return False
    for expr in as_list(selector.get("matchExpressions")):
        if not isinstance(expr, dict):
            return False
        key, operator = expr.get("key"), expr.get("operator")
        if not isinstance(key, str):
            return False
        values = as_list(expr.get("values"))
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
        if operator not in {"In", "NotIn", "Exists", "DoesNotExist"}:
            return False
    return True


def has_unknown(value: Any) -> bool:
    if value is UNKNOWN or is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknown(v) for v in value)
    return False


_PERCENT = re.compile(r"^(\d+)%$")


def scaled(value: Any, total: int) -> int | None:
    """An IntOrString against ``total``, rounded up as the disruption controller does."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        match = _PERCENT.match(value)
        if match:
            return math.ceil(int(match.group(1)) * total / 100)
        if value.isdigit():
            return int(value)
    return None


@dataclass(frozen=True)
class Resource:
    """One resource of the stack, as a stack rule sees it (plain props)."""

    type: str
    props: dict[str, Any]
    urn: str | None

    @property
    def kind(self) -> str:
        return kind_of(self.props)

    @property
    def namespace(self) -> str | None:
        return namespace_of(self.props)

    @property
    def name(self) -> str | None:
        value = lookup(self.props, ("metadata", "name"))
        return value if isinstance(value, str) and not is_unknown(value) else None

    @property
    def label(self) -> str:
        return label(self.props)


def stack_resources(resources: Iterable[Any]) -> list[Resource]:
    """StackValidationArgs.resources (or anything with resource_type, props, urn) as plain data.

    The kind is taken from the type token when the props do not carry it.
    """
    found: list[Resource] = []
    for r in resources:
        props = plain(r.props)
        props = props if isinstance(props, dict) else {}
        type_ = str(r.resource_type)
        if "kind" not in props and type_.startswith("kubernetes:"):
            props["kind"] = type_.rsplit(":", 1)[-1]
        found.append(Resource(type_, props, getattr(r, "urn", None)))
    return found


def workloads(resources: Iterable[Resource]) -> list[Resource]:
    return [r for r in resources if is_workload_type(r.type) and r.kind in WORKLOAD_KINDS]


def selected_by(
    workload: Resource, selectors: list[tuple[Resource, Any]], out: Violations
) -> tuple[list[Resource], bool]:
    """Which of ``selectors`` (owner, LabelSelector) select the workload's pods, same namespace.

    The second value is True when the answer may change once unknown values are known.
    """
    labels = pod_labels(workload.props, workload.kind, out)
    if labels is None or workload.namespace is None:
        return [], True
    matches: list[Resource] = []
    uncertain = False
    for owner, selector in selectors:
        if owner.namespace is None or has_unknown(selector):
            uncertain = True
        elif owner.namespace == workload.namespace and selector_matches(selector, labels):
            matches.append(owner)
    return matches, uncertain
