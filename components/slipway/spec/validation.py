"""Shared validation for every settings model: the base model, field patterns with their
wording for error messages, Kubernetes quantities and pod counts, and field-located errors.

Platform and stack settings use these too, without importing the service spec.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainValidator, WithJsonSchema
from pydantic.alias_generators import to_camel

DNS_LABEL = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
ENV_VAR = r"^[A-Z_][A-Z0-9_]*$"
# registry/repository[:tag]@sha256:<64 hex>: a tag alone can be moved, a digest cannot.
IMAGE_BY_DIGEST = re.compile(
    r"^(?P<repository>[a-z0-9]+([._\-/:][a-z0-9]+)*)(:(?P<tag>[\w][\w.\-]{0,127}))?"
    r"@sha256:(?P<digest>[a-f0-9]{64})$"
)
SEMVER = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.\-]+)?(\+[0-9A-Za-z.\-]+)?$"
HOST_NAME = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$"
URL_PATH = r"^/[-a-zA-Z0-9_./]*$"
COMMIT = r"^[0-9a-f]{7,40}$"
FLAG_NAME = r"^[A-Za-z][A-Za-z0-9_.\-]{0,62}$"

# What each pattern means, for error messages (a raw regex helps nobody).
PATTERN_HELP = {
    DNS_LABEL: "lowercase letters, digits and '-', starting with a letter and not ending in '-'",
    ENV_VAR: "an environment variable name (A-Z, 0-9 and _, not starting with a digit)",
    SEMVER: "a semantic version such as 1.2.3 (quote it in YAML, e.g. \"1.2.0\")",
    HOST_NAME: "a host name such as shop.example.com, without scheme, port or path",
    URL_PATH: "a path starting with '/' made of letters, digits, '-', '_', '.' and '/', "
    "e.g. /orders",
    COMMIT: "a git commit: 7 to 40 lowercase hex characters",
    r"^/": "a path starting with '/', e.g. /healthz",
    FLAG_NAME: "a flag name: letters, digits, '_', '.' and '-', starting with a letter, at most "
    "63 characters",
}

PERCENT = re.compile(r"^(100|[1-9]?[0-9])%$")


def _int_or_percent(value: object) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and PERCENT.match(value):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise ValueError(
        f"must be a whole number >= 0 or a percentage from 0% to 100% such as 25% (got {value!r})"
    )


def _quantity_text(value: object) -> object:
    """YAML reads `cpu: 2` or `target: 50` as numbers; quantities are text in Kubernetes."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


QuantityText = Annotated[str, BeforeValidator(_quantity_text)]


# Kubernetes' IntOrString for pod counts: 2 or "25%". One validator, so one clear message.
IntOrPercent = Annotated[
    int | str,
    PlainValidator(_int_or_percent),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0},
                              {"type": "string", "pattern": PERCENT.pattern}]}),
]


class SpecModel(BaseModel):
    """Base for every spec section: camelCase in YAML, unknown fields refused, values frozen."""

    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


class FieldError(ValueError):
    """A validation error that knows which nested field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message



def error_at(field: str, message: str) -> FieldError:
    return FieldError(field, message)


def check_image(value: str) -> str:
    if not IMAGE_BY_DIGEST.match(value):
        raise ValueError(
            "must be pinned by digest as registry/repository@sha256:<64 hex> "
            f"(a tag can be moved; got {value!r})"
        )
    return value
