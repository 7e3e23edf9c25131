"""Turn validation failures into `file: field.path: message` lines a person can act on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from .model import FieldError


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
    for part in loc:
        if isinstance(part, int):
            continue
        field = next(
            (f for n, f in current.model_fields.items() if (f.alias or n) == part or n == part),
            None,
        )
        if field is None:
            return None
        nested = _nested_model(field.annotation)
        if nested is None:
            return None
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
        valid = _valid_keys(_model_at(model, loc[:-1]))
        unknown = str(loc[-1])
        hint = difflib.get_close_matches(unknown, valid, n=1)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
        return field_path(loc), f"unknown field{suggestion}; valid fields: {', '.join(valid)}"
    if kind == "missing":
        return field_path(loc), "is required"
    message = str(error["msg"])
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif "input" in error and not isinstance(error["input"], dict | list):
        message = f"{message} (got {error['input']!r})"
    if kind == "literal_error" and loc and loc[0] == "environments":
        # Unknown environment names are keys, and pydantic reports them with a '[key]' suffix.
        loc = [part for part in loc if part != "[key]"]
    return field_path(loc), message[0].lower() + message[1:] if message else message


def format_validation_error(source: str, err: ValidationError, model: type[BaseModel],
                            prefix: Sequence[str | int] = ()) -> list[str]:
    lines = []
    for error in err.errors():
        path, message = describe(error, model)
        full = field_path([*prefix, path]) if path else field_path(prefix)
        lines.append(f"{source}: {full}: {message}" if full else f"{source}: {message}")
    return lines
