"""Values YAML changed without saying so, where the spec expects text.

YAML 1.1 reads an unquoted `NO` as false, `0022` as 18, `2.10` as 2.1 and `2024-05-01` as a date.
Where the model expects text (a name, a version, a commit, a label, a host, a path) any such
value is refused; where a value is turned into text on the way out (`config` values become
environment variables, `flags` a JSON file) it is refused when the text would differ from what
was typed. Either way the message names the real cause and the quoted form of exactly what the
user wrote, taken from the YAML source (`strict_yaml.Scalar`), never from the converted value.

The other way round, a number or boolean field refuses text (`port: "8080"`, `automountToken:
"false"`) rather than let pydantic convert it, and a quantity (`cpu: 2`, a number accepted as its
own text) refuses an unquoted number that does not read back as typed (`0x10`, `1_000`).

Which fields expect what is read from the model's own annotations, so a field added later is
covered without a change here (tests/unit/test_every_field_type.py walks them all).
"""

from __future__ import annotations

import datetime
import json
import math
import re
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel

from .strict_yaml import Document, Path, Scalar
from .validation import NUMBER_IS_TEXT, RENDERED_AS_TEXT

TEXT, RENDERED, NUMBER, BOOLEAN, OTHER = "text", "rendered", "number", "boolean", "other"
# YAML 1.1 readings of a number that YAML 1.2 (and a person) would read otherwise: a leading
# zero is octal (010 is 8), colons are base 60 (1:30 is 90).
SURPRISING_NUMBER = re.compile(r"^[-+]?(0[0-9_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)$")
# A number written the way it reads back (2, 0.5, 250): what a quantity may be left unquoted as.
PLAIN_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)(\.[0-9]+)?$")


def problems(document: Document, model: type[BaseModel]) -> list[tuple[Path, str]]:
    """(path, message) for each scalar YAML read as other than the text a field expects."""
    found: list[tuple[Path, str]] = []
    _visit(document.data, model, (), document, found)
    return found


def _visit(value: Any, annotation: Any, path: Path, document: Document,
           found: list[tuple[Path, str]]) -> None:
    annotation, allows_none, metadata = _unwrap(annotation)
    if isinstance(value, dict):
        model = _model_in(annotation) or _model_arm(annotation)
        if model is not None:
            _visit_model(value, model, path, document, found)
            return
        origin = typing.get_origin(annotation)
        if origin is dict:
            _, item = typing.get_args(annotation)
            for key, item_value in value.items():
                _visit(item_value, item, (*path, key), document, found)
        return
    if isinstance(value, list):
        if typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation)
            for index, item_value in enumerate(value):
                _visit(item_value, item, (*path, index), document, found)
        return
    context = RENDERED if RENDERED_AS_TEXT in metadata else _context(annotation)
    scalar = document.scalars.get(path)
    if scalar is None:
        # Text where a number or a boolean is expected: pydantic would convert "8080" or
        # "yes" silently; a field has one type, and the file says which.
        if isinstance(value, str) and context in (NUMBER, BOOLEAN) \
                and NUMBER_IS_TEXT not in metadata:
            found.append((path, _text_problem(value, context, path in document.quoted)))
        return
    if NUMBER_IS_TEXT in metadata:
        problem = None if scalar.value is None and allows_none else _quantity_problem(scalar)
        if problem is not None:
            found.append((path, problem))
        return
    if context == BOOLEAN and scalar.value is not None and not isinstance(scalar.value, bool):
        found.append((path, f"must be true or false, but YAML reads {scalar.source} as "
                            f"{scalar.kind}"))
        return
    if scalar.value is None:
        if context in (TEXT, RENDERED) and not allows_none:
            found.append((path, _empty(scalar)))
        return
    if context == TEXT:
        found.append((path, f"must be text, but YAML reads {scalar.source} as {scalar.kind}; "
                            f"quote it: {scalar.quoted}"))
    elif context == NUMBER:
        problem = _number_problem(scalar)
        if problem is not None:
            found.append((path, problem))
    elif context == RENDERED and isinstance(scalar.value, datetime.date):
        # Not a value the field takes at all: say what YAML made of it, not what it renders as.
        found.append((path, f"must be text, a number or a boolean, but YAML reads "
                            f"{scalar.source} as {scalar.kind}; quote it: {scalar.quoted}"))
    elif context == RENDERED and scalar.changes_text:
        found.append((path, _rendered(scalar)))


def _visit_model(value: dict[str, Any], model: type[BaseModel], path: Path, document: Document,
                 found: list[tuple[Path, str]]) -> None:
    fields = _readable_fields(model)
    for key, item in value.items():
        annotation = fields.get(key)
        if annotation is None:
            continue  # unknown, or read by the field's own validator (which says what is valid)
        if key == "environments" and path == ():
            # Overrides merge onto the spec itself: read each against the whole model.
            for environment, override in (item.items() if isinstance(item, dict) else ()):
                _visit(override, model, (*path, key, environment), document, found)
            continue
        _visit(item, annotation, (*path, key), document, found)


_FIELDS: dict[type[BaseModel], dict[str, Any]] = {}


def _readable_fields(model: type[BaseModel]) -> dict[str, Any]:
    """{YAML key or Python name: annotation with its metadata} of the fields this check reads:
    all but unknown ones and those with a validator of their own. Built once per model."""
    fields = _FIELDS.get(model)
    if fields is None:
        own = _fields_with_own_reading(model)
        fields = {}
        for name, info in model.model_fields.items():
            if name in own or info.alias in own:
                continue  # the field's own validator reads non-text values
            annotation = _annotated(info.annotation, info.metadata)
            fields[name] = fields[info.alias or name] = annotation
        _FIELDS[model] = fields
    return fields


def _fields_with_own_reading(model: type[BaseModel]) -> set[str]:
    """Fields with a validator that runs before pydantic's type check (mode before, plain or
    wrap): they decide themselves what a number or boolean means."""
    names: set[str] = set()
    for decorator in model.__pydantic_decorators__.field_validators.values():
        if decorator.info.mode in ("before", "plain", "wrap"):
            names.update(decorator.info.fields)
    return names


def _annotated(annotation: Any, metadata: list[Any]) -> Any:
    return typing.Annotated[annotation, *metadata] if metadata else annotation


_UNWRAPPED: dict[int, tuple[Any, tuple[Any, bool, tuple[Any, ...]]]] = {}
"""By id: annotations are module constants, and a catalog has tens of thousands of values."""


def _unwrap(annotation: Any) -> tuple[Any, bool, tuple[Any, ...]]:
    cached = _UNWRAPPED.get(id(annotation))
    if cached is not None and cached[0] is annotation:
        return cached[1]
    result = _unwrap_once(annotation)
    _UNWRAPPED[id(annotation)] = (annotation, result)
    return result


def _unwrap_once(annotation: Any) -> tuple[Any, bool, tuple[Any, ...]]:
    """(inner type, whether None is allowed, Annotated metadata) of an annotation."""
    metadata: tuple[Any, ...] = ()
    allows_none = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata += tuple(extra)
            continue
        if origin in (typing.Union, types.UnionType):
            arms = [arm for arm in typing.get_args(annotation) if arm is not type(None)]
            allows_none = allows_none or len(arms) < len(typing.get_args(annotation))
            if len(arms) == 1:
                annotation = arms[0]
                continue
            # A union of several types keeps them all (e.g. str | int for pod counts).
            return annotation, allows_none, metadata
        return annotation, allows_none, metadata


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _arms(annotation: Any) -> list[Any]:
    """The types of a union (each unwrapped); empty when it is not one."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return []
    return [_unwrap(arm)[0] for arm in typing.get_args(annotation)]


def _model_arm(annotation: Any) -> type[BaseModel] | None:
    """The model of a `text | Model` union (a `calls` entry): what a mapping is read as."""
    models = [arm for arm in _arms(annotation) if _model_in(arm) is not None]
    return models[0] if len(models) == 1 else None


def _context(annotation: Any) -> str:
    if annotation is str:
        return TEXT
    if annotation is bool:
        return BOOLEAN
    arms = _arms(annotation)
    if str in arms and all(arm is str or _model_in(arm) is not None for arm in arms):
        return TEXT  # a scalar of a `text | Model` union is the text form
    if annotation in (int, float):
        return NUMBER
    if typing.get_origin(annotation) is Literal and all(
            isinstance(arg, str) for arg in typing.get_args(annotation)):
        return TEXT
    model = _model_in(annotation)
    if model is not None and _reads_text(model):
        return TEXT  # a probe written as its path: `readiness: /healthz`
    return OTHER


def _reads_text(model: type[BaseModel]) -> bool:
    """A model that also takes a text shorthand (a probe's path) says so (`TEXT_SHORTHAND`)."""
    return bool(getattr(model, "TEXT_SHORTHAND", False))


def _number_problem(scalar: Scalar) -> str | None:
    """A number field given a boolean, a date, or a number YAML 1.1 reads unlike it looks."""
    if isinstance(scalar.value, bool | datetime.date):
        return f"must be a number, but YAML reads {scalar.source} as {scalar.kind}"
    if isinstance(scalar.value, float) and not math.isfinite(scalar.value):
        return (f"must be a finite number, but YAML reads {scalar.source} as "
                f"{'not a number' if math.isnan(scalar.value) else 'infinity'}")
    if SURPRISING_NUMBER.match(scalar.source):
        return (f"YAML reads {scalar.source} as {scalar.kind}, which is probably not what you "
                f"meant; write the number without a leading zero or colons "
                f"(e.g. {scalar.rendered})")
    return None


def _text_problem(value: str, context: str, quoted: bool) -> str:
    wanted = "true or false" if context == BOOLEAN else "a number"
    if quoted:
        return (f"must be {wanted}, not the quoted text {json.dumps(value)}; write "
                f"{'true or false' if context == BOOLEAN else 'the number'} without quotes")
    hint = "; write it without the leading zero" if re.match(r"^[-+]?0[0-9]", value) else ""
    return f"must be {wanted}, but YAML reads {value} as text{hint}"


def _quantity_problem(scalar: Scalar) -> str | None:
    """A quantity (cpu: 2) may be an unquoted number only if it reads back as typed: 0x10 is
    16 CPUs, 1_000 is 1000, yes is a boolean."""
    if scalar.value is None or isinstance(scalar.value, bool | datetime.date):
        return (f"must be text, but YAML reads {scalar.source} as {scalar.kind}; quote it: "
                f"{scalar.quoted}")
    if not PLAIN_DECIMAL.match(scalar.source):
        return (f"YAML reads {scalar.source} as {scalar.kind}, which would be used as "
                f"{scalar.rendered!r}; write {scalar.rendered} if that is meant, or quote it: "
                f"{scalar.quoted}")
    return None


def _empty(scalar: Scalar) -> str:
    typed = f"YAML reads {scalar.source} as nothing (null)" if scalar.source else \
        "nothing follows the colon, which YAML reads as null"
    return f"is empty: {typed}; write the value (quoted if it could read as anything else, " \
           "\"\" for empty text)"


def _rendered(scalar: Scalar) -> str:
    return (f"YAML reads {scalar.source} as {scalar.kind}, which would be used as "
            f"{scalar.rendered!r}, not what you typed; quote it for the text: {scalar.quoted}"
            + (f" (or write {scalar.rendered} if {scalar.kind} is meant)"
               if scalar.value is not None else ""))
