"""Turn validation failures into `file: field.path: message` lines a person can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from .validation import PATTERN_HELP, FieldError


class SpecError(ValueError):
    """One or more problems in the service catalog; each line names a file and a field."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def field_path(loc: Iterable[str | int]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _model_at(model: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """Walk the model tree along a location to find which model an unknown key was given to."""
    current: type[BaseModel] = model
    skip_key = False
    for part in loc:
        if isinstance(part, int):
            continue
        if skip_key:  # the key of a `dict[str, Model]` field, e.g. environments.<prod>
            skip_key = False
            continue
        field = next(
            (f for n, f in current.model_fields.items() if part in (f.alias or n, n)),
            None,
        )
        if field is None:
            return None
        nested = _nested_model(field.annotation)
        if nested is None:
            return None
        skip_key = getattr(field.annotation, "__origin__", None) is dict
        current = nested
    return current


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _nested_model(arg)
        if found is not None:
            return found
    return None


def _valid_keys(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def describe(error: dict[str, Any], model: type[BaseModel]) -> tuple[str, str]:
    """Return (field path, message) for one pydantic error."""
    loc = list(error["loc"])
    kind = error["type"]
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, FieldError):
        return field_path([*loc, *cause.field.split(".")]), cause.message
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        valid = _valid_keys(owner)
        unknown = str(loc[-1])
        if owner is not None and owner.__name__ == "Overrides" and unknown in _valid_keys(model):
            return field_path(loc), (
                f"cannot be set per environment; an override takes: {', '.join(valid)}")
        hint = difflib.get_close_matches(unknown, valid, n=1)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
        return field_path(loc), f"unknown field{suggestion}; valid fields: {', '.join(valid)}"
    if kind == "missing":
        return field_path(loc), "is required"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return field_path(loc), f"must be a mapping of fields (got {_shown(error.get('input'))})"
    if kind == "string_type" and isinstance(error.get("input"), int | float):
        return field_path(loc), (
            f"must be text: YAML read a number here, so quote it, e.g. \"{error['input']}\" "
            f"(got {error['input']!r})")
    if kind == "list_type":
        return field_path(loc), f"must be a list (got {_shown(error.get('input'))})"
    if kind == "string_pattern_mismatch":
        pattern = (error.get("ctx") or {}).get("pattern", "")
        if pattern in PATTERN_HELP:
            return field_path(loc), f"must be {PATTERN_HELP[pattern]} (got {error['input']!r})"
    message = str(error["msg"])
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif "input" in error and not isinstance(error["input"], dict | list):
        message = f"{message} (got {error['input']!r})"
    if kind == "literal_error" and loc and loc[0] == "environments":
        # Unknown environment names are keys, and pydantic reports them with a '[key]' suffix.
        loc = [part for part in loc if part != "[key]"]
    return field_path(loc), message[0].lower() + message[1:] if message else message


def _shown(value: Any) -> str:
    return "nothing" if value is None else repr(value)


def format_validation_error(source: str, err: ValidationError, model: type[BaseModel],
                            prefix: Sequence[str | int] = ()) -> list[str]:
    by_path: dict[str, list[str]] = {}
    for error in err.errors():
        path, message = describe(dict(error), model)
        full = field_path([*prefix, path]) if path else field_path(prefix)
        messages = by_path.setdefault(full, [])
        if message not in messages:
            messages.append(message)
    lines = []
    for full, messages in by_path.items():
        message = messages[0] if len(messages) == 1 else "must be one of: " + "; or ".join(
            messages)
        lines.append(f"{source}: {full}: {message}" if full else f"{source}: {message}")
    return lines
