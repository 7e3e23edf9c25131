"""The `config` and `flags` sections: plain values that become environment variables, and
feature flags."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import PlainValidator, WithJsonSchema

# Config keys that look like credentials belong in `secrets`, never in a ConfigMap.
# Matched on whole words between underscores, so MAX_TOKENS or TOKENIZER_MODEL pass.
CREDENTIAL_NAME = re.compile(
    r"(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|APIKEY|API_KEY|PRIVATE_KEY|CREDENTIALS?)(_|$)"
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
]


def _flag_value(value: object) -> bool | str | int | float:
    if isinstance(value, bool | str | int | float):
        return value
    raise ValueError(f"must be a boolean, string or number (got {value!r})")


FlagValue = Annotated[
    bool | str | int | float,
    PlainValidator(_flag_value),
    WithJsonSchema({"type": ["boolean", "string", "number"]}),
]
