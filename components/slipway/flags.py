"""Feature flags: a ConfigMap mounted as a file, deliberately outside the config hash.

Kubernetes refreshes a mounted ConfigMap in running pods (within the kubelet's sync period), so
flipping a flag or a kill switch changes only this ConfigMap: the pod template, and therefore
the Deployment, stays the same and nothing rolls.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi

from .spec.service import ServiceSpec

VOLUME = "flags"
MOUNT_PATH = "/etc/slipway/flags"
FILE = "flags.json"


def config_map_name(service: str) -> str:
    return f"{service}-flags"


def data(spec: ServiceSpec) -> dict[str, str]:
    """One JSON file, so types survive (true stays a boolean, 5 a number) and apps read all
    flags at once."""
    return {FILE: json.dumps(dict(sorted(spec.flags.items())), indent=2) + "\n"}


def volume(config_map: pulumi.Input[str]) -> dict[str, Any]:
    return {"name": VOLUME, "config_map": {"name": config_map}}


def volume_mount() -> dict[str, Any]:
    # Not a subPath mount: those never see updates.
    return {"name": VOLUME, "mount_path": MOUNT_PATH, "read_only": True}
