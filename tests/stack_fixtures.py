"""Stack settings for tests, written as setting names without the `slipway:` prefix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slipway.stack import StackSettings, key, read_settings


def settings_from(values: Mapping[str, Any], source: str = "Pulumi.dev.yaml") -> StackSettings:
    """`read_settings` over {name: value}, as the stack file's `slipway:<name>` keys."""
    return read_settings({key(name): value for name, value in values.items()}, source)
