"""The service catalog: every services/*.yaml, checked together.

Checks that need more than one file live here: unique names, unique public routes, no two
services making the same Kubernetes object name, `calls` naming services that exist, and no
dependency cycles (rollouts are ordered callee-first, so a cycle would deadlock them). They run
for the base specs and for every environment's overrides, whichever environment is loaded, and a
problem an override causes is reported at that override (`environments.prod.exposure.path`).
All problems across all files are reported at once.

What is read is decided here too: every entry of the directory is either a service file
(`<name>.yaml`, a regular file inside the catalog), an allowed neighbour (schema.json,
README.md) or refused; nothing is skipped silently.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..environment import ENVIRONMENT_NAME
from .errors import MAX_LINES_PER_FILE, SpecError, cap_per_file, redact
from .kubernetes_names import derived_names
from .loader import (
    LoadedService,
    display_path,
    load_service,
    override_key,
)
from .overrides import ENVIRONMENT_KEYS
from .service import ServiceSpec
from .strict_yaml import MAX_FILE_BYTES

SCHEMA_FILE = "schema.json"
NEIGHBOURS = frozenset({SCHEMA_FILE, "README.md"})
"""Files that may sit beside the service files without being one."""
SERVICE_EXTENSIONS = (".yaml", ".yml")
"""In any case (.YAML too): every one is read, none skipped."""
MAX_FILES = 500
MAX_CATALOG_BYTES = 2 * 1024 * 1024
"""Bounds the time to read a catalog (a few seconds at most); real ones are far smaller."""


@dataclass(frozen=True)
class Catalog:
    """Validated services for one environment, keyed by name, with their source files."""

    services: Mapping[str, ServiceSpec]
    sources: Mapping[str, str] = field(default_factory=dict)

    def __iter__(self) -> Iterator[ServiceSpec]:
        return iter(self.services.values())

    def __len__(self) -> int:
        return len(self.services)

    def __getitem__(self, name: str) -> ServiceSpec:
        return self.services[name]

    def callers_of(self, name: str) -> list[str]:
        """Services that declare they call `name`: the NetworkPolicy ingress allow-list."""
        return sorted(s.name for s in self if name in s.callees)

    def in_dependency_order(self) -> list[ServiceSpec]:
        """Callees before callers, ties by name, so rollouts can wait on what they call."""
        ordered: list[ServiceSpec] = []
        done: set[str] = set()

        def visit(name: str) -> None:
            if name in done:
                return
            done.add(name)
            for callee in sorted(self.services[name].callees):
                visit(callee)
            ordered.append(self.services[name])

        for name in sorted(self.services):
            visit(name)
        return ordered


def _cycles(services: Mapping[str, ServiceSpec]) -> list[list[str]]:
    """At least one cycle per group of mutually dependent services (depth-first search),
    each node set reported once; fixing those and re-running finds any that remain."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for callee in services[name].callees:
            if callee not in services:
                continue
            if state.get(callee) == 1:
                cycle = [*path[path.index(callee):], callee]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    found.append(cycle)
            elif state.get(callee) is None:
                visit(callee, [*path, callee])
        state[name] = 2

    for name in sorted(services):
        if name not in state:
            visit(name, [name])
    return found


def check(services: Mapping[str, ServiceSpec], sources: Mapping[str, str],
          broken: frozenset[str] = frozenset()) -> list[str]:
    """Cross-file problems of the given specs, one line each, naming the file and field.

    `broken` names files that failed to load: calls to them are not reported again."""
    loaded = {name: LoadedService(source=sources[name], document={}, base=spec)
              for name, spec in services.items()}
    return [line.replace(IN_ENVIRONMENT, "") for line in _check_environment(loaded, None, broken)]


IN_ENVIRONMENT = "\0"
"""Stands for " in <environment>" in a line, so that a problem an environment shares with the
base is recognised as the same one and reported once."""


def _every_environment(loaded: Mapping[str, LoadedService], broken: frozenset[str]) -> list[str]:
    """Cross-file problems of every environment (the base is what an environment without an
    override runs). A problem found in every environment is reported once as it is; one found
    in some says where (`... in prod`)."""
    found: dict[str, list[str]] = {}
    for key in ENVIRONMENT_KEYS:
        for line in _check_environment(loaded, key, broken):
            found.setdefault(line, []).append(key)
    lines = []
    for line, keys in found.items():
        where = "" if len(keys) == len(ENVIRONMENT_KEYS) else " in " + " and ".join(keys)
        lines.append(line.replace(IN_ENVIRONMENT, where))
    return lines


def _check_environment(loaded: Mapping[str, LoadedService], key: str | None,
                       broken: frozenset[str]) -> list[str]:
    """Cross-file problems in environment `key` (None: the base specs)."""
    services = {name: service.spec_for(key) for name, service in loaded.items()}
    where = IN_ENVIRONMENT
    problems: list[str] = []
    for spec in services.values():
        unknown = [(index, callee) for index, callee in enumerate(spec.callees)
                   if callee not in services and callee not in broken]
        shown = MAX_LINES_PER_FILE - 1
        more = (f"{loaded[spec.name].source}: calls: {len(unknown) - shown} names after "
                f"calls[{unknown[shown - 1][0]}] are not services in the catalog either"
                if len(unknown) > shown + 1 else None)
        for index, callee in unknown[:shown] if more else unknown:
            known = ", ".join(sorted(services)) or "none"
            problems.append(
                f"{loaded[spec.name].source}: calls[{index}]: no service named {callee!r} in "
                f"the catalog (known: {known})"
            )
        if more:
            problems.append(more)
    problems += _route_clashes(loaded, key, where)
    problems += _name_clashes(loaded, key, where)
    for cycle in _cycles(services):
        problems.append(
            f"{loaded[cycle[0]].source}: calls: dependency cycle {' -> '.join(cycle)}; rollouts "
            "are ordered callee-first, so one of these calls must go (or go through a queue)"
        )
    return problems


def _blame_first(first: LoadedService, second: LoadedService, key: str | None,
                 field_path: str) -> tuple[LoadedService, LoadedService]:
    """(the service to report, the other): the one whose override set the field, if only one
    did; else the second in name order, as in the base."""
    first_overrides = first.origin(key, field_path) != field_path
    second_overrides = second.origin(key, field_path) != field_path
    if first_overrides and not second_overrides:
        return first, second
    return second, first


def _route_clashes(loaded: Mapping[str, LoadedService], key: str | None,
                   where: str) -> list[str]:
    problems: list[str] = []
    routes: dict[tuple[str, str], LoadedService] = {}
    for name in sorted(loaded):
        spec = loaded[name].spec_for(key)
        if not spec.exposure.public or spec.exposure.host is None:
            continue
        route = (spec.exposure.host, spec.exposure.path.rstrip("/") or "/")
        holder = routes.get(route)
        if holder is None:
            routes[route] = loaded[name]
            continue
        blamed, other = _blame_first(holder, loaded[name], key, "exposure")
        blamed_spec = blamed.spec_for(key)
        field_name = _exposure_field(blamed, key)
        problems.append(
            f"{blamed.source}: {field_name}: route {route[0]}{blamed_spec.exposure.path}{where} "
            f"is already served by {other.base.name!r} ({other.source}); choose another host or "
            "path"
        )
    return problems


def _exposure_field(service: LoadedService, key: str | None) -> str:
    """The most precise exposure field an override sets (path, then host), else `exposure`."""
    for part in ("path", "host", "public"):
        origin = service.origin(key, f"exposure.{part}")
        if origin != f"exposure.{part}":
            return origin
    return service.origin(key, "exposure")


def _name_clashes(loaded: Mapping[str, LoadedService], key: str | None,
                  where: str) -> list[str]:
    owners: dict[tuple[str, str], tuple[str, str]] = {}
    # (blamed service, other service, object name) -> (kinds, the blamed service's field)
    clashes: dict[tuple[str, str, str], tuple[list[str], str]] = {}
    for name in sorted(loaded):
        for derived in derived_names(loaded[name].spec_for(key)):
            other, other_field = owners.setdefault((derived.kind, derived.name),
                                                   (name, derived.field))
            if other == name:
                continue
            # Blame the service whose name is derived (a suffix), not the plain one.
            if derived.field == "name" and other_field != "name":
                blamed, blamed_field, holder = other, other_field, name
            else:
                blamed, blamed_field, holder = name, derived.field, other
            kinds, _ = clashes.setdefault((blamed, holder, derived.name), ([], blamed_field))
            kinds.append(derived.kind)
    problems = []
    for (blamed, holder, object_name), (kinds, blamed_field) in clashes.items():
        problems.append(
            f"{loaded[blamed].source}: {loaded[blamed].origin(key, blamed_field)}: makes the "
            f"{_kinds(kinds)} {object_name!r}{where}, which {holder!r} ({loaded[holder].source}) "
            "makes too; in one namespace one would overwrite the other: rename one of the "
            "services"
        )
    return problems


def _kinds(kinds: list[str]) -> str:
    unique = list(dict.fromkeys(kinds))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def _entries(directory: Path) -> tuple[list[Path], list[str]]:
    """The service files of the catalog, and a refusal for every other entry that is not an
    allowed neighbour. Symlinks must stay inside the catalog and reach a regular file."""
    problems: list[str] = []
    files: list[Path] = []
    root = directory.resolve()
    try:
        names = sorted(os.listdir(directory))
    except OSError as err:
        raise SpecError([f"{display_path(directory)}: cannot be read ({err.strerror})"]) from None
    if len(names) > MAX_FILES:
        # Named by the first entry past the limit, so the line names a file like every other.
        raise SpecError([f"{display_path(directory / names[MAX_FILES])}: is entry "
                         f"{MAX_FILES + 1} of {len(names)} in the catalog, over the limit of "
                         f"{MAX_FILES} entries; split the catalog or remove files"])
    total = 0
    for name in names:
        path = directory / name
        source = display_path(path)
        if name in NEIGHBOURS:
            continue
        if not name.lower().endswith(SERVICE_EXTENSIONS):
            problems.append(_not_a_service_file(source))
            continue
        try:
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                target = path.resolve(strict=True)
                if root not in target.parents:
                    problems.append(f"{source}: is a symlink to outside the catalog; copy the "
                                    "file in instead")
                    continue
                info = os.stat(path)
        except (OSError, RuntimeError):
            problems.append(f"{source}: is a broken symlink (or a symlink loop)")
            continue
        if not stat.S_ISREG(info.st_mode):
            problems.append(f"{source}: is not a regular file (a directory, device or pipe); "
                            "a service file is plain text")
            continue
        total += min(info.st_size, MAX_FILE_BYTES + 1)
        files.append(path)
        if total > MAX_CATALOG_BYTES:
            # Nothing is read: the file that crosses the limit is named.
            raise SpecError([f"{source}: brings the service files to more than "
                             f"{MAX_CATALOG_BYTES} bytes, the limit for a catalog; split the "
                             "catalog or shrink the files"])
    return files, problems


def _not_a_service_file(source: str) -> str:
    return (f"{source}: is not a service file (those end in .yaml or .yml; only "
            f"{', '.join(sorted(NEIGHBOURS))} may sit beside them), so it is not read; move it "
            "out of the catalog or rename it")


def load_catalog(directory: Path, environment: str | None = None) -> Catalog:
    """Load and check every service file under `directory` for one environment."""
    if environment is not None and not ENVIRONMENT_NAME.match(environment):
        raise ValueError(f"environment must be dev, prod or pr-<number> (got {environment!r})")
    if not directory.is_dir():
        raise SpecError([f"{display_path(directory)}: no such catalog directory"])
    key = override_key(environment) if environment is not None else None
    files, problems = _entries(directory)
    loaded: dict[str, LoadedService] = {}
    broken: set[str] = set()
    secrets: set[str] = set()
    for path in files:
        try:
            service = load_service(path)
        except SpecError as err:
            problems.extend(err.problems)
            broken.add(path.stem)
            secrets |= err.secrets
            continue
        secrets |= service.secrets
        name = service.base.name
        if name in loaded:
            problems.append(
                f"{service.source}: name: {name!r} is already defined in "
                f"{loaded[name].source}; service names must be unique"
            )
            continue
        loaded[name] = service
    if not files and not problems:
        problems.append(f"{display_path(directory)}: holds no service files (*.yaml)")
    problems += _every_environment(loaded, frozenset(broken))
    if problems:
        # Catalog lines may quote another file's values: keep every file's secrets out.
        raise SpecError(redact(cap_per_file(problems), secrets))
    return Catalog(services={name: s.spec_for(key) for name, s in loaded.items()},
                   sources={name: s.source for name, s in loaded.items()})

