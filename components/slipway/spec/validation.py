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

MAX_LABEL = 63
"""Kubernetes' limit on a label value and on a DNS label (one part of a host name)."""
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
# A request path as RFC 3986 allows it (pchar), with an optional query: what a probe may GET.
REQUEST_PATH = re.compile(
    r"^/([-A-Za-z0-9._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*"
    r"(\?([-A-Za-z0-9._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?$"
)
MAX_PATH = 1024
"""The Gateway API's limit on a path match."""


def check_label_value(value: str, what: str) -> str:
    """A value that becomes a Kubernetes label (version, team): at most 63 characters of
    letters, digits, '-', '_' and '.', starting and ending with a letter or digit."""
    if len(value) > MAX_LABEL:
        raise ValueError(f"is {len(value)} characters; as the {what} label it must be at most "
                         f"{MAX_LABEL} (Kubernetes' limit on label values)")
    if not LABEL_VALUE.match(value):
        bad = sorted({c for c in value if not (c.isascii() and (c.isalnum() or c in "-_."))})
        detail = f"'{''.join(bad)}' is" if bad else "it must start and end with a letter or digit"
        raise ValueError(f"cannot be the {what} label: {detail}"
                         f"{' not allowed' if bad else ''} in Kubernetes label values (letters, "
                         "digits, '-', '_' and '.', starting and ending with a letter or digit)")
    return value


def check_host(value: str) -> str:
    """A host name DNS accepts: each dot-separated label at most 63 characters, 253 in all."""
    long_labels = [label for label in value.split(".") if len(label) > MAX_LABEL]
    if long_labels:
        raise ValueError(f"has a part of {len(long_labels[0])} characters; each part of a host "
                         f"name (between dots) is at most {MAX_LABEL} (DNS)")
    if len(value) > 253:
        raise ValueError(f"is {len(value)} characters; a host name is at most 253 (DNS)")
    return value


def check_gateway_path(value: str) -> str:
    """A path the Gateway API accepts in an HTTPRoute match (and that means what it says):
    no '//', no '.' or '..' segments, at most 1024 characters."""
    if len(value) > MAX_PATH:
        raise ValueError(f"is {len(value)} characters; at most {MAX_PATH}")
    if "//" in value:
        raise ValueError(f"has an empty segment '//' (got {value!r}); the Gateway API refuses "
                         "it: write single slashes")
    segments = value.split("/")
    if "." in segments or ".." in segments:
        raise ValueError(f"has a '.' or '..' segment (got {value!r}); the Gateway API refuses "
                         "them: write the path it resolves to")
    return value


def check_request_path(value: str) -> str:
    """A path (and optional query) a probe can send: RFC 3986 characters, with spaces and
    other characters percent-encoded, and no dot segments."""
    if len(value) > MAX_PATH:
        raise ValueError(f"is {len(value)} characters; at most {MAX_PATH}")
    if not REQUEST_PATH.match(value):
        raise ValueError(f"must be a request path such as /healthz or /ready?full=1 (got "
                         f"{value!r}); spaces and other characters outside RFC 3986 must be "
                         "percent-encoded (%20)")
    path = value.split("?", 1)[0]
    if "//" in path or {".", ".."} & set(path.split("/")):
        raise ValueError(f"has an empty, '.' or '..' segment (got {value!r}); write the path "
                         "it resolves to")
    return value


def check_unprivileged_port(value: int) -> int:
    if not 1024 <= value <= 65535:
        why = ("lower ports need root, which containers here never have" if value < 1024
               else "65535 is the highest TCP port")
        raise ValueError(f"must be from 1024 to 65535 (got {value}); {why}")
    return value


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


class TextUse:
    """A marker in `Annotated[...]` metadata telling the text check (`text_values`) how a
    field that accepts more than text treats YAML's typed scalars."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"TextUse({self.name!r})"


RENDERED_AS_TEXT = TextUse("rendered")
"""The value ends up as text (an environment variable, a JSON file): an unquoted scalar must
read back as exactly what was typed (`NO` would become "false")."""
NUMBER_IS_TEXT = TextUse("number")
"""A number is accepted as its own text (a quantity such as `cpu: 2`)."""


def _quantity_text(value: object) -> object:
    """YAML reads `cpu: 2` or `target: 50` as numbers; quantities are text in Kubernetes."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


QuantityText = Annotated[str, BeforeValidator(_quantity_text), NUMBER_IS_TEXT]


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
