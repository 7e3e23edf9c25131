"""The service catalog: every services/*.yaml, checked together.

Checks that need more than one file live here: unique names, unique public routes, `calls`
naming services that exist, and no dependency cycles (rollouts are ordered callee-first, so a
cycle would deadlock them). All problems across all files are reported at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..environment import ENVIRONMENT_NAME
from .errors import SpecError
from .loader import display_path, load_file
from .service import ServiceSpec

SCHEMA_FILE = "schema.json"


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
        return sorted(s.name for s in self if name in s.calls)

    def in_dependency_order(self) -> list[ServiceSpec]:
        """Callees before callers, ties by name, so rollouts can wait on what they call."""
        ordered: list[ServiceSpec] = []
        done: set[str] = set()

        def visit(name: str) -> None:
            if name in done:
                return
            done.add(name)
            for callee in sorted(self.services[name].calls):
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
        for callee in services[name].calls:
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
    """Cross-file problems, one line each, naming the file and field to fix.

    `broken` names files that failed to load: calls to them are not reported again.
    """
    problems: list[str] = []
    for spec in services.values():
        for index, callee in enumerate(spec.calls):
            if callee not in services and callee not in broken:
                known = ", ".join(sorted(services)) or "none"
                problems.append(
                    f"{sources[spec.name]}: calls[{index}]: no service named {callee!r} in the "
                    f"catalog (known: {known})"
                )
    routes: dict[tuple[str, str], str] = {}
    for spec in sorted(services.values(), key=lambda s: s.name):
        if not spec.exposure.public or spec.exposure.host is None:
            continue
        route = (spec.exposure.host, spec.exposure.path.rstrip("/") or "/")
        if route in routes:
            problems.append(
                f"{sources[spec.name]}: exposure: route {route[0]}{spec.exposure.path} is "
                f"already served by {routes[route]!r} ({sources[routes[route]]}); "
                "choose another host or path"
            )
        else:
            routes[route] = spec.name
    for cycle in _cycles(services):
        problems.append(
            f"{sources[cycle[0]]}: calls: dependency cycle {' -> '.join(cycle)}; rollouts are "
            "ordered callee-first, so one of these calls must go (or go through a queue)"
        )
    return problems


def load_catalog(directory: Path, environment: str | None = None) -> Catalog:
    """Load and check every service file under `directory` for one environment."""
    if environment is not None and not ENVIRONMENT_NAME.match(environment):
        raise ValueError(f"environment must be dev, prod or pr-<number> (got {environment!r})")
    problems: list[str] = []
    services: dict[str, ServiceSpec] = {}
    sources: dict[str, str] = {}
    if not directory.is_dir():
        raise SpecError([f"{display_path(directory)}: no such catalog directory"])
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml"))
    broken: set[str] = set()
    for path in files:
        try:
            spec = load_file(path, environment)
        except SpecError as err:
            problems.extend(err.problems)
            broken.add(path.stem)
            continue
        if spec.name in services:
            problems.append(
                f"{display_path(path)}: name: {spec.name!r} is already defined in "
                f"{sources[spec.name]}; service names must be unique"
            )
            continue
        services[spec.name] = spec
        sources[spec.name] = display_path(path)
    if not files:
        problems.append(f"{display_path(directory)}: holds no service files (*.yaml)")
    problems.extend(check(services, sources, frozenset(broken)))
    if problems:
        raise SpecError(problems)
    return Catalog(services=services, sources=sources)
