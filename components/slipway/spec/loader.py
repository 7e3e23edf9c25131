"""Read one service file: bytes -> strict YAML -> dict -> ServiceSpec, with file:field errors.

Per-environment overrides are merged onto the base document before validation, so an
override is held to every rule the base is (an override that breaks `scaling.min <= max`
is reported at `environments.prod.scaling...`).

Nothing but `SpecError` leaves this module for a bad file, and no line of it prints a value of
`secrets`, of a secret-looking key or that looks like a secret (`errors.redact`).
"""

from __future__ import annotations

import copy
import os
import re
import stat
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..environment import ENVIRONMENT_NAME
from . import text_values
from .errors import SpecError, cap_per_file, field_path, format_validation_error, redact
from .overrides import ENVIRONMENT_KEYS
from .secret_values import secret_kind, sensitive_values
from .service import ServiceSpec
from .strict_yaml import MAX_FILE_BYTES, Document, StrictYamlError, parse


def display_path(path: Path) -> str:
    """Show a path relative to the working directory when it is under it. A symlink is shown
    as itself, never as what it points to."""
    absolute = Path(os.path.abspath(path))
    for base in (Path.cwd(), Path.cwd().resolve()):
        try:
            return str(absolute.relative_to(base))
        except ValueError:
            continue
    return str(path)


def read_bytes(path: Path, source: str) -> bytes:
    """A regular file's bytes, at most `MAX_FILE_BYTES` (+1 to tell it is over)."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise SpecError([f"{source}: is not a regular file; a service file is plain text"])
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as err:
        raise SpecError([f"{source}: cannot be read ({err.strerror or type(err).__name__})"]) \
            from None


def read_yaml(path: Path) -> Document:
    """The strictly parsed file (see strict_yaml), or a SpecError with its line."""
    source = display_path(path)
    data = read_bytes(path, source)
    try:
        document = parse(data)
    except StrictYamlError as problem:
        raise SpecError([f"{source}: {problem.where}{problem.message}"]) from None
    if document.data is None:
        raise SpecError([f"{source}: is empty; a service needs at least name, image and version"])
    if not isinstance(document.data, dict):
        raise SpecError([
            f"{source}: line {document.line_of(()) or 1}: must be a mapping of fields "
            "(name, image, version, ...), "
            f"got {kind_of(document.data)}"
        ])
    return document


def read_document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = read_yaml(path).data
    return document


def kind_of(value: object) -> str:
    if isinstance(value, bool):  # before int: a boolean is an int to Python, not to a person
        return "a boolean"
    names = {str: "a string", list: "a list", int: "a number", float: "a number", dict: "a mapping"}
    return names.get(type(value), "a date" if hasattr(value, "isoformat") else "a value")


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else (lists included) replaces."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def override_key(environment: str) -> str:
    """The `environments` key an environment reads: dev, prod, or pr for every pr-N."""
    if not ENVIRONMENT_NAME.match(environment):
        raise ValueError(
            f"environment must be dev, prod or pr-<number> (got {environment!r})"
        )
    return "pr" if environment.startswith("pr-") else environment


@dataclass(frozen=True)
class LoadedService:
    """One valid service file: its base spec and its spec in each environment it overrides."""

    source: str
    document: Mapping[str, Any]
    base: ServiceSpec
    overridden: Mapping[str, ServiceSpec] = field(default_factory=dict)
    secrets: frozenset[str] = frozenset()
    """Values of the file no message may print (`secrets_of`)."""

    def spec_for(self, key: str | None) -> ServiceSpec:
        """The spec in environment `key` (dev, prod, pr), or the base for None."""
        return self.overridden.get(key, self.base) if key is not None else self.base

    def override(self, key: str) -> Mapping[str, Any]:
        environments = self.document.get("environments") or {}
        found = environments.get(key) if isinstance(environments, dict) else None
        return found if isinstance(found, dict) else {}

    def origin(self, key: str | None, path: str) -> str:
        """Where a field's value in environment `key` comes from: `environments.<key>.<path>`
        when that override sets the field, else `path` (the base, or the default)."""
        if key is None:
            return path
        node: Any = self.override(key)
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return path
            node = node[part]
        return f"environments.{key}.{path}"


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
        raise SpecError(format_validation_error(
            source, err, ServiceSpec, ("environments", key),
            written=lambda path: written_part(override, path))) from None


_PART = re.compile(r"([^.\[\]]+)|\[([0-9]+)\]")


def written_part(override: Any, path: str) -> str:
    """How much of the field at `path` (`a.b[0].c`) `override` writes: all of it, a mapping
    above it (`a`), or nothing (""). A list or value in an override replaces the base's, so
    writing it writes everything inside."""
    node = override
    done = ""
    for name, _ in _PART.findall(path):
        if isinstance(node, list) or (done and not isinstance(node, dict)):
            return path  # inside a list or value the override wrote
        if not isinstance(node, dict) or name not in node:
            return done
        node = node[name]
        done = f"{done}.{name}" if done else name
    return path


# Where the model checks values for secrets itself (with a message about ConfigMaps), and the
# image signature (base64 that is public by design).
OWN_SECRET_CHECK = ("config", "flags", "signature")
Location = tuple[str | int, ...]


def plain_text_secrets(data: Any, path: Location = ()) -> list[tuple[Location, str]]:
    """(path, kind) of every value outside `secrets` that looks like a secret (a token, a PEM
    block, a URL with a password): whatever the field, it would end up in plain text in a
    manifest (a Job's args, a label, a selector)."""
    found: list[tuple[Location, str]] = []
    if isinstance(data, dict):
        top_level = path == () or (len(path) == 2 and path[0] == "environments")
        for key, value in data.items():
            if top_level and key in (*OWN_SECRET_CHECK, "secrets"):
                continue
            found += plain_text_secrets(value, (*path, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            found += plain_text_secrets(item, (*path, index))
    elif isinstance(data, str):
        kind = secret_kind(data)
        if kind is not None:
            found.append((path, kind))
    return found


def _text_problems(document: Document, source: str) -> tuple[list[str], set[str]]:
    found = text_values.problems(document, ServiceSpec)
    found += [(path, f"the value looks like {kind}; it would sit in plain text in a manifest: "
                     "put secrets in the secret store and list their names under secrets")
              for path, kind in plain_text_secrets(document.data)]
    lines = [f"{source}: {field_path(path)}: {message}" for path, message in found]
    return lines, {field_path(path) for path, _ in found}


def check_service(document: Document | dict[str, Any], source: str,
                  expected_name: str | None = None) -> LoadedService:
    """Validate a document and every override merged onto it, whichever environment will be
    used, so a preview of dev cannot pass while prod's override is broken."""
    parsed = document if isinstance(document, Document) else Document(data=document)
    data: dict[str, Any] = parsed.data
    try:
        return _check_service(parsed, data, source, expected_name)
    except SpecError as err:
        secrets = secrets_of(parsed)
        raise SpecError(redact(cap_per_file(err.problems), secrets), secrets) from None


def _field_names(model: type[BaseModel]) -> frozenset[str]:
    """Every field name of the spec, at any depth, as written in YAML."""
    names: set[str] = set()
    todo: list[type[BaseModel]] = [model]
    while todo:
        current = todo.pop()
        for name, info in current.model_fields.items():
            names.update({name, info.alias or name})
            todo.extend(nested for nested in _models_in(info.annotation) if nested not in todo)
    return frozenset(names)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [found for arg in typing.get_args(annotation) for found in _models_in(arg)]


SPEC_FIELD_NAMES = _field_names(ServiceSpec) - {"secrets"}
"""Keys the spec defines (automountToken): their values are not secret because of their name.
Not `secrets`: whatever is written there in place of names may be a value."""


def secrets_of(document: Document) -> set[str]:
    """Values of a file no message may print: sensitive values (secret_values), and what the
    user typed for each of them when YAML read it as something else (0123456 for 42798)."""
    values = sensitive_values(document.data, SPEC_FIELD_NAMES)
    values |= {scalar.source for scalar in document.scalars.values()
               if scalar.rendered in values or str(scalar.value) in values}
    return values


def _check_service(parsed: Document, data: dict[str, Any], source: str,
                   expected_name: str | None) -> LoadedService:
    text_lines, text_paths = _text_problems(parsed, source)
    try:
        base = ServiceSpec.model_validate(data)
    except ValidationError as err:
        lines = format_validation_error(source, err, ServiceSpec)
        # A value the text check explained is not reported twice.
        others = [line for line in lines if not any(
            line.startswith(f"{source}: {path}:") for path in text_paths)]
        raise SpecError(text_lines + others) from None
    if expected_name is not None and base.name != expected_name:
        raise SpecError([
            f"{source}: name: must match the file name {expected_name!r} (got {base.name!r}); "
            f"rename the file to {base.name}.yaml or fix the name"
        ])
    problems: list[str] = list(text_lines)
    overridden: dict[str, ServiceSpec] = {}
    for key in base.environments:
        try:
            merged = _with_override(data, source, key)
        except SpecError as err:
            problems.extend(line for line in err.problems if not any(
                line.startswith(f"{source}: {path}:") for path in text_paths))
            continue
        if merged is not None:
            overridden[key] = merged
    if problems:
        raise SpecError(problems)
    return LoadedService(source=source, document=data, base=base, overridden=overridden,
                         secrets=frozenset(secrets_of(parsed)))


def validate(document: dict[str, Any], source: str, expected_name: str | None = None,
             environment: str | None = None) -> ServiceSpec:
    """Validate a document and every override merged onto it; return it for `environment`."""
    key = override_key(environment) if environment is not None else None
    return check_service(document, source, expected_name).spec_for(key)


def load_service(path: Path) -> LoadedService:
    """Read and validate one service file in every environment."""
    source = display_path(path)
    return check_service(read_yaml(path), source, expected_name=path.stem)


def load_file(path: Path, environment: str | None = None) -> ServiceSpec:
    """One service file, validated, with `environment`'s override (dev, prod or pr-N) merged.
    The file must be named after the service; raises SpecError naming the file and field."""
    key = override_key(environment) if environment is not None else None
    return load_service(path).spec_for(key)


__all__ = ["ENVIRONMENT_KEYS", "LoadedService", "SpecError", "field_path", "load_file",
           "load_service", "merge", "read_document", "validate"]
