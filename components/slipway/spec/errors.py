"""Turn validation failures into `file: field.path: message` lines a person can act on.

Every line goes through `SpecError`, which is where secrets are kept out of messages: a
secret-looking run (a token, a PEM block, a URL's password) is always replaced, and the loader
passes the values of each file's secret-looking fields (`redact`) so that no line can print
them, whichever check wrote it.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from .calls import CALL_TAG, NAME_TAG
from .secret_values import scrub
from .validation import PATTERN_HELP, FieldError

REDACTED = "<redacted>"


class SpecError(ValueError):
    """One or more problems in the service catalog; each line names a file and a field.

    Lines are scrubbed of anything that looks like a secret, and never span lines."""

    def __init__(self, problems: Sequence[str], secrets: Iterable[str] = ()) -> None:
        self.problems = [_printable(_shorten(scrub(" ".join(str(line).splitlines()))))
                         for line in problems]
        self.secrets = frozenset(secrets)
        """Values of the file that failed which no later message may print either (the
        catalog's lines about other files are redacted with them)."""
        super().__init__("\n".join(self.problems))


# A quoted value (a repr): the quote follows no letter or digit, so apostrophes do not count.
_LONG_QUOTE = re.compile(r"""(?<![A-Za-z0-9])(['"])([^'"]{60})[^'"]{60,}\1(?![A-Za-z0-9])""")


def _printable(line: str) -> str:
    """Undecodable bytes of a file name (surrogates) as escapes, so the line can be printed."""
    return line.encode("utf-8", "backslashreplace").decode("utf-8")


def _shorten(line: str) -> str:
    """A quoted value longer than 120 characters is cut to its first 60: the file and field
    say where it is, and a message is read by a person."""
    return _LONG_QUOTE.sub(lambda m: f"{m[1]}{m[2]}...{m[1]}", line)


MAX_LINES_PER_FILE = 50
"""More problems than this in one file are counted, not listed: nobody reads the 20,000th, and
printing them all would take longer than reading the file."""


_MORE = re.compile(r"^(?P<source>.*?): \.\.\. and (?P<count>[0-9]+) more problems in this file")


def cap_per_file(problems: Sequence[str], limit: int = MAX_LINES_PER_FILE) -> list[str]:
    """At most `limit` lines per file (the text before the first ': '), then one line saying
    how many more there are. Capping again counts what an earlier cap left out."""
    shown: dict[str, int] = {}
    hidden: dict[str, int] = {}
    kept: list[str] = []
    for line in problems:
        more = _MORE.match(line)
        if more is not None:
            hidden[more["source"]] = hidden.get(more["source"], 0) + int(more["count"])
            continue
        source = line.split(": ", 1)[0]
        shown[source] = shown.get(source, 0) + 1
        if shown[source] <= limit:
            kept.append(line)
        else:
            hidden[source] = hidden.get(source, 0) + 1
    for source, count in hidden.items():
        kept.append(f"{source}: ... and {count} more problems in this file, not listed; fix "
                    "these first")
    return kept


def redact(problems: Sequence[str], values: Iterable[str]) -> list[str]:
    """`problems` with each of `values` (and its quoted and escaped forms) replaced.

    Values of fewer than 4 characters are only replaced where quoted, so that a short value
    cannot blank out field names or line numbers."""
    forms: set[str] = set()
    short: set[str] = set()
    for value in values:
        escaped = {value, repr(value)[1:-1], json.dumps(value)[1:-1],
                   " ".join(value.splitlines()), " ".join(repr(value)[1:-1].splitlines())}
        if len(value) >= 4:
            forms.update(form for form in escaped if len(form) >= 4)
        else:
            short.update({repr(value), json.dumps(value), f"'{value}'"})
    ordered = sorted(forms, key=len, reverse=True) + sorted(short)
    lines = []
    for problem in problems:
        text = problem
        for form in ordered:
            text = text.replace(form, REDACTED)
        lines.append(text)
    return lines


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
    # The tags of a union picked by type (a `calls` entry's form) are no field of the file.
    loc = [part for part in error["loc"] if part not in (CALL_TAG, NAME_TAG)]
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
    if kind == "string_type" and isinstance(error.get("input"), bool):
        return field_path(loc), (
            f"must be text: YAML read the boolean {str(error['input']).lower()} here, so quote "
            "what you meant")
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
    if isinstance(value, bool):  # as YAML writes it, not as Python does
        return "true" if value else "false"
    return "nothing" if value is None else repr(value)


def format_validation_error(source: str, err: ValidationError, model: type[BaseModel],
                            prefix: Sequence[str | int] = (),
                            written: Callable[[str], str] | None = None) -> list[str]:
    """One line per field. Under an override (`prefix` environments.<key>), a problem at a
    field the override does not write was caused by combining it with the base: the line
    names the deepest part of the field the override writes (`written`) and the field it
    broke."""
    by_path: dict[str, list[str]] = {}
    for error in err.errors():
        path, message = describe(dict(error), model)
        own = written(path) if written is not None and path else path
        if own != path:
            message = f"this override makes {path} invalid: {message}"
            path = own
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
