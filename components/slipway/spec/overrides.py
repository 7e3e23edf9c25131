"""The `environments` section: per-environment overrides of the base spec."""

from __future__ import annotations

from .config_values import ConfigValue, FlagValue
from .validation import SpecModel


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
