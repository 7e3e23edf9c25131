"""The `config` and `flags` sections: plain values that become environment variables, and
feature flags."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated

from pydantic import PlainValidator, WithJsonSchema

from .secret_values import secret_kind
from .validation import RENDERED_AS_TEXT, error_at

# Config keys that look like credentials belong in `secrets`, never in a ConfigMap. Kept for
# importers; the check itself is `secret_values.is_secret_key` (whole words, any form).
CREDENTIAL_NAME = re.compile(
    r"(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|APIKEY|API_KEY|PRIVATE_KEY|CREDENTIALS?)(_|$)"
)
MAX_CONFIG_MAP_BYTES = 1024 * 1024
"""Kubernetes refuses a ConfigMap whose data (keys and values) exceeds 1 MiB."""
FLAGS_FILE = "flags.json"


def config_map_data(values: Mapping[str, object]) -> dict[str, str]:
    """Config values as ConfigMap strings (YAML booleans stay lowercase)."""
    return {
        key: (str(value).lower() if isinstance(value, bool) else str(value))
        for key, value in sorted(values.items())
    }


def flags_file(values: Mapping[str, object]) -> dict[str, str]:
    """The flags ConfigMap's one JSON file, so types survive (true stays a boolean, 5 a
    number) and apps read all flags at once."""
    return {FLAGS_FILE: json.dumps(dict(sorted(values.items())), indent=2) + "\n"}


def check_config_map_size(data: Mapping[str, str], field: str) -> None:
    size = sum(len(key.encode()) + len(value.encode()) for key, value in data.items())
    if size > MAX_CONFIG_MAP_BYTES:
        raise ValueError(f"makes a ConfigMap of {size} bytes, over Kubernetes' limit of "
                         f"{MAX_CONFIG_MAP_BYTES} (1 MiB); large content belongs in the image or "
                         "a volume")


def check_plain_values(values: Mapping[str, object], field: str) -> None:
    """Refuse a value that looks like a secret: it would sit in a ConfigMap in plain text.
    The message says where and what kind, never the value."""
    for key, value in values.items():
        kind = secret_kind(str(value)) if isinstance(value, str) else None
        if kind is not None:
            raise error_at(
                key,
                f"the value looks like {kind}; {field} lands in a ConfigMap in plain "
                f"text, so a secret never goes here: list {key} under secrets and put the "
                "value in the secret store"
            )


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
    RENDERED_AS_TEXT,
]


def _flag_value(value: object) -> bool | str | int | float:
    if isinstance(value, bool | str | int | float):
        return value
    raise ValueError(f"must be a boolean, string or number (got {value!r})")


FlagValue = Annotated[
    bool | str | int | float,
    PlainValidator(_flag_value),
    WithJsonSchema({"type": ["boolean", "string", "number"]}),
    RENDERED_AS_TEXT,
]
