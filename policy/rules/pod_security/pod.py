"""One pod, as every Pod Security Standards rule reads it, whatever kind holds it.

``read_pod`` finds the pod spec of any kind that holds one (rules.k8s knows where each kind
keeps it), with its containers, init containers and ephemeral containers, and answers the
questions the controls ask: a pod-level field, a container's securityContext field, or the
container's value with the pod's as the fallback (Kubernetes' own precedence). A value unknown
during preview is recorded in the Violations and comes back as UNKNOWN, never as a pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rules.k8s import (
    POD_TEMPLATE_KINDS,
    UNKNOWN,
    Container,
    Path,
    Violations,
    as_dict,
    containers,
    fmt,
    get,
    kind_of,
    label,
    pod_spec_path,
    template_path,
)


@dataclass(frozen=True)
class Pod:
    props: Mapping[str, Any]
    who: str  # how messages name the resource: "Deployment 'shop/orders'"
    spec_path: Path
    spec: dict[str, Any]
    containers: list[Container]  # containers, init containers, ephemeral containers
    out: Violations

    @property
    def ctx_path(self) -> Path:
        return (*self.spec_path, "securityContext")

    @property
    def windows(self) -> bool:
        """Windows pods are exempt from the Linux-only restricted controls."""
        return bool(get(self.spec, ("os", "name"), self.out, self.spec_path) == "windows")

    def field(self, *path: str | int) -> Any:
        """A field of the pod spec: None when absent, UNKNOWN when unknown (and recorded)."""
        return get(self.spec, path, self.out, self.spec_path)

    def pod_ctx(self, *path: str | int) -> Any:
        """A field of the pod's securityContext."""
        return get(self.spec, ("securityContext", *path), self.out, self.spec_path)

    def container_field(self, c: Container, *path: str | int) -> Any:
        """A field of the container itself (ports, command, args ...)."""
        return get(c.spec, path, self.out, c.path)

    def ctx(self, c: Container, *path: str | int) -> Any:
        """A field of the container's own securityContext."""
        return get(c.spec, ("securityContext", *path), self.out, c.path)

    def effective(self, c: Container, *path: str | int) -> tuple[Any, str]:
        """The container's value, else the pod's; and the field that set it (for messages)."""
        own = self.ctx(c, *path)
        if own is not None:
            return own, fmt((*c.path, "securityContext", *path))
        return self.pod_ctx(*path), fmt((*self.ctx_path, *path))

    def where(self, c: Container, *path: str | int) -> str:
        return fmt((*c.path, "securityContext", *path))

    def template_annotations(self) -> dict[str, Any]:
        kind = kind_of(self.props)
        value = get(self.props, (*template_path(kind), "metadata", "annotations"), self.out)
        return as_dict(value)

    def template_annotations_path(self) -> Path:
        return (*template_path(kind_of(self.props)), "metadata", "annotations")


def read_pod(props: Mapping[str, Any], out: Violations) -> Pod | None:
    """The pod of a resource that holds one; None for other kinds or an unknown pod spec."""
    kind = kind_of(props)
    if kind not in POD_TEMPLATE_KINDS:
        return None
    spec_path = pod_spec_path(kind)
    spec = get(props, spec_path, out)
    if spec is UNKNOWN or not isinstance(spec, dict):
        return None
    found = containers(props, kind, out, ephemeral=True)
    return Pod(props, label(props), spec_path, spec, found, out)
