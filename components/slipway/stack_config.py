"""Read one namespace of stack config as plain data, for programs (never for components).

Pulumi hands a program its config as strings, with objects JSON-encoded; this decodes them so
`StackSettings.parse` can see every key, including misspelt ones, under `slipway:`.
"""

from __future__ import annotations

import json
from typing import Any

from pulumi.runtime.config import CONFIG, get_config_env


def decode(value: str) -> Any:
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def read_namespace(namespace: str) -> dict[str, Any]:
    prefix = f"{namespace}:"
    # The language host sets CONFIG; PULUMI_CONFIG is the older environment hand-off.
    everything = {**get_config_env(), **CONFIG.get()}
    values = {}
    for key, value in everything.items():
        if key.startswith(prefix):
            name = key.removeprefix(prefix).removeprefix("config:")
            values[name] = decode(value) if isinstance(value, str) else value
    return values
