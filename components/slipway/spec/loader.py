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

from .errors import SpecError, field_path, format_validation_error
from .model import ServiceSpec


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
        raise SpecError([f"{source}: {where}not valid YAML ({problem})"]) from None
    if document is None:
        raise SpecError([f"{source}: is empty; a service needs at least name, image and version"])
    if not isinstance(document, dict):
        raise SpecError([
            f"{source}: must be a mapping of fields (name, image, version, ...), "
            f"got a {type(document).__name__}"
        ])
    return document


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else (lists included) replaces."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def validate(document: dict[str, Any], source: str, expected_name: str | None = None,
             environment: str | None = None) -> ServiceSpec:
    """Validate a document, then (if asked) the same document with one environment merged in."""
    try:
        base = ServiceSpec.model_validate(document)
    except ValidationError as err:
        raise SpecError(format_validation_error(source, err, ServiceSpec)) from None
    if expected_name is not None and base.name != expected_name:
        raise SpecError([
            f"{source}: name: must match the file name {expected_name!r} (got {base.name!r}); "
            f"rename the file to {base.name}.yaml or fix the name"
        ])
    if environment is None:
        return base
    key = "pr" if environment.startswith("pr-") else environment
    override = (document.get("environments") or {}).get(key)
    if not override:
        return base
    merged = merge({k: v for k, v in document.items() if k != "environments"}, override)
    try:
        return ServiceSpec.model_validate(merged)
    except ValidationError as err:
        # The base validated, so the override broke it: report under environments.<key>.
        raise SpecError(
            format_validation_error(source, err, ServiceSpec, ("environments", key))
        ) from None


def load_file(path: Path, environment: str | None = None) -> ServiceSpec:
    document = read_document(path)
    return validate(document, display_path(path), expected_name=path.stem, environment=environment)


__all__ = ["SpecError", "field_path", "load_file", "merge", "read_document", "validate"]
