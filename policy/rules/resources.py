"""CPU and memory requests and a memory limit on every container."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from rules.config import settings
from rules.k8s import (
    UNKNOWN,
    WORKLOAD_KINDS,
    Violations,
    containers,
    fmt,
    get,
    kind_of,
    label,
)

RULE: Final = "slipway-k8s-workload-resources"
DESCRIPTION: Final = (
    "Every container and init container requests CPU and memory and sets a memory limit "
    "(and a CPU limit when configured), so the scheduler can place it and a leak cannot take "
    "down its node."
)
DEFAULTS: Final[dict[str, Any]] = {"requireCpuLimit": False}


def check_resources(
    props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> Violations:
    opts = settings(RULE, config, DEFAULTS)
    out = Violations()
    kind = kind_of(props)
    if kind not in WORKLOAD_KINDS:
        return out
    who = label(props)
    wanted = [("requests", "cpu"), ("requests", "memory"), ("limits", "memory")]
    if opts["requireCpuLimit"]:
        wanted.append(("limits", "cpu"))
    for c in containers(props, kind, out):
        for section, resource in wanted:
            value = get(c.spec, ("resources", section, resource), out, c.path)
            if value is UNKNOWN or (isinstance(value, str | int | float) and str(value).strip()):
                continue
            field = fmt((*c.path, "resources", section, resource))
            example = "100m" if resource == "cpu" else "128Mi"
            out.add(
                f"{who}: {c.title} has no {resource} {section[:-1]} ({field}). Set "
                f"resources.{section}.{resource} (for example {example!r})."
            )
    return out
