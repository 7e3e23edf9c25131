"""Read one service file: YAML -> dict -> ServiceSpec, with file:field errors.

Per-environment overrides are merged onto the base document before validation, so an
override is held to every rule the base is (an override that breaks `scaling.min <= max`
is reported at `environments.prod.scaling...`).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..environment import ENVIRONMENT_NAME
from .errors import SpecError, field_path, format_validation_error
from .service import ServiceSpec


def display_path(path: Path) -> str:
    """Show a path relative to the working directory when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_document(path: Path) -> dict[str, Any]:
    source = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SpecError([f"{source}: cannot be read ({err.strerror})"]) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        # The context points at what was left open (an unclosed '{' or quote), often the cause.
        context, context_mark = getattr(err, "context", None), getattr(err, "context_mark", None)
        opened = (f"; {context} at line {context_mark.line + 1}, column {context_mark.column + 1}"
                  if context and context_mark else "")
        raise SpecError([f"{source}: {where}not valid YAML ({problem}{opened})"]) from None
    if document is None:
        raise SpecError([f"{source}: is empty; a service needs at least name, image and version"])
    if not isinstance(document, dict):
        raise SpecError([
            f"{source}: must be a mapping of fields (name, image, version, ...), "
            f"got {_kind_of(document)}"
        ])
    return document


def _kind_of(value: object) -> str:
    names = {str: "a string", list: "a list", int: "a number", float: "a number", bool: "a boolean"}
    return names.get(type(value), type(value).__name__)


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else (lists included) replaces."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _override_key(environment: str) -> str:
    if not ENVIRONMENT_NAME.match(environment):
        raise ValueError(
            f"environment must be dev, prod or pr-<number> (got {environment!r})"
        )
    return "pr" if environment.startswith("pr-") else environment


def _with_override(document: dict[str, Any], source: str, key: str) -> ServiceSpec | None:
    """The document with one environment's override merged in; None when it has none."""
    override = (document.get("environments") or {}).get(key)
    if not override:
        return None
    merged = merge({k: v for k, v in document.items() if k != "environments"}, override)
    try:
        return ServiceSpec.model_validate(merged)
    except ValidationError as err:
        # The base validated, so the override broke it: report under environments.<key>.
        raise SpecError(
            format_validation_error(source, err, ServiceSpec, ("environments", key))
        ) from None


def validate(document: dict[str, Any], source: str, expected_name: str | None = None,
             environment: str | None = None) -> ServiceSpec:
    """Validate a document and every override merged onto it; return it for `environment`.

    Every override is checked whichever environment is loaded, so a preview of dev cannot
    pass while prod's override is broken.
    """
    key = _override_key(environment) if environment is not None else None
    try:
        base = ServiceSpec.model_validate(document)
    except ValidationError as err:
        raise SpecError(format_validation_error(source, err, ServiceSpec)) from None
    if expected_name is not None and base.name != expected_name:
        raise SpecError([
            f"{source}: name: must match the file name {expected_name!r} (got {base.name!r}); "
            f"rename the file to {base.name}.yaml or fix the name"
        ])
    problems: list[str] = []
    chosen = base
    for name in base.environments:
        try:
            merged = _with_override(document, source, name)
        except SpecError as err:
            problems.extend(err.problems)
            continue
        if name == key and merged is not None:
            chosen = merged
    if problems:
        raise SpecError(problems)
    return chosen


def load_file(path: Path, environment: str | None = None) -> ServiceSpec:
    document = read_document(path)
    return validate(document, display_path(path), expected_name=path.stem, environment=environment)


__all__ = ["SpecError", "field_path", "load_file", "merge", "read_document", "validate"]
