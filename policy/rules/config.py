"""Per-rule settings: documented defaults, tuned by the pack's policy config files.

A policy config file (``policy/config/dev.json``, ``policy/config/prod.json``) maps each rule
name to ``{"enforcementLevel": "advisory" | "mandatory" | "disabled", <settings>...}``. The
engine strips ``enforcementLevel`` and hands a rule only its own settings; ``settings()`` lays
them over the rule's defaults and refuses a misspelt or mistyped key, so a tuning mistake is a
clear violation instead of a silently ignored setting.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

CONFIG_DIR: Final = Path(__file__).resolve().parent.parent / "config"
ENFORCEMENT_LEVELS: Final = frozenset({"advisory", "mandatory", "disabled"})

_JSON_TYPES: Final[dict[type, str]] = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


class ConfigError(ValueError):
    """A rule's settings are wrong; the message names the setting and the fix."""


def settings(
    rule: str, config: Mapping[str, Any] | None, defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """The rule's defaults with ``config`` laid over them, each checked against its default."""
    merged = dict(defaults)
    for key, given in (config or {}).items():
        value = given
        if key == "enforcementLevel":
            continue
        if key not in defaults:
            known = ", ".join(sorted(defaults)) or "none"
            raise ConfigError(
                f"policy config for {rule} has an unknown setting '{key}'; known settings: {known}."
            )
        expected = type(defaults[key])
        if expected is int and isinstance(value, float) and value.is_integer():
            value = int(value)  # the engine passes config numbers as floats
        ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            ok, value = True, float(value)
        if not ok:
            raise ConfigError(
                f"policy config for {rule}: setting '{key}' must be a {_JSON_TYPES[expected]}, "
                f"got {json.dumps(value)}."
            )
        merged[key] = value
    return merged


def schema(defaults: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """JSON-schema properties for a rule's settings, so the CLI validates config files too."""
    return {
        key: {"type": _JSON_TYPES[type(value)], "default": value} for key, value in defaults.items()
    }


def load(environment: str) -> dict[str, Any]:
    """A policy config file of this pack, e.g. ``load("prod")``."""
    with (CONFIG_DIR / f"{environment}.json").open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def rule_config(document: Mapping[str, Any], rule: str) -> tuple[str | None, dict[str, Any]]:
    """(enforcement level, settings) of one rule in a config document."""
    entry = document.get(rule)
    if isinstance(entry, str):
        return entry, {}
    if isinstance(entry, dict):
        level = entry.get("enforcementLevel")
        return (level if isinstance(level, str) else None), {
            k: v for k, v in entry.items() if k != "enforcementLevel"
        }
    return None, {}
