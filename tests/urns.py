"""Resource URNs and the aliases that keep an old URN pointing at a renamed resource.

A URN is `urn:pulumi:<stack>::<project>::<qualified type>::<name>`, where the qualified type
is the parent's qualified type, `$`, and the resource's own type (resources directly under the
stack have their own type only). Renaming a resource, changing its type or moving it to another
parent changes its URN: without an alias the engine deletes the old resource and creates a new
one. These helpers compute the URNs a registered resource's aliases stand for, the way the
engine does, including the aliases children inherit from an aliased parent.
"""

from __future__ import annotations

from collections.abc import Iterable

from mocking import Registered, Registry

STACK_TYPE = "pulumi:pulumi:Stack"


def split(urn: str) -> tuple[str, str, str, str]:
    """(stack, project, qualified type, name) of a URN."""
    head, project, qualified, name = urn.split("::", 3)
    return head.removeprefix("urn:pulumi:"), project, qualified, name


def make(stack: str, project: str, qualified: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def child_urn(parent_urn: str | None, stack: str, project: str, type_: str, name: str) -> str:
    """The URN of a resource of `type_` named `name` under `parent_urn` (None: the stack)."""
    if parent_urn is None or split(parent_urn)[2] == STACK_TYPE:
        return make(stack, project, type_, name)
    return make(stack, project, f"{split(parent_urn)[2]}${type_}", name)


def engine_urns(registry: Registry) -> dict[str, str]:
    """{mock URN: the URN the engine gives the resource}. The mock monitor builds URNs its own
    way (only the parent's last type, the stack in the chain); the contract is the engine's."""
    found: dict[str, str] = {}
    for resource in registry:  # parents register before their children
        parent = found.get(resource.parent)
        found[resource.urn] = child_urn(parent, registry.stack, registry.project,
                                        resource.type, resource.name)
    return found


class AliasIndex:
    """Every URN a registry's resources answer to: their own and their aliases'."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._engine = engine_urns(registry)
        self._by_urn = {r.urn: r for r in registry}
        self._cache: dict[str, set[str]] = {}

    def urn(self, resource: Registered) -> str:
        return self._engine[resource.urn]

    def alias_urns(self, resource: Registered) -> set[str]:
        """The old URNs this resource claims through its own aliases or its parent's."""
        if resource.urn in self._cache:
            return self._cache[resource.urn]
        stack, project = self._registry.stack, self._registry.project
        name, type_ = resource.name, resource.type
        parent = self._by_urn.get(resource.parent)
        parent_urn = self.urn(parent) if parent is not None else None
        found: set[str] = set()
        for alias in resource.aliases:
            if alias.get("urn"):
                found.add(alias["urn"])
                continue
            given_parent = alias.get("parentUrn")
            old_parent = None if alias.get("noParent") else (
                self._engine.get(given_parent, given_parent) if given_parent else parent_urn)
            found.add(child_urn(old_parent, stack, project, alias.get("type") or type_,
                                alias.get("name") or name))
        if parent is not None:
            # Like the engine: a child inherits its parent's aliases, and a child named after
            # its parent (`<parent>-deployment`) is also looked for under the parent's old name.
            for old_parent in self.alias_urns(parent):
                found.add(child_urn(old_parent, stack, project, type_, name))
                if name.startswith(parent.name):
                    old_name = split(old_parent)[3] + name[len(parent.name):]
                    found.add(child_urn(old_parent, stack, project, type_, old_name))
        self._cache[resource.urn] = found
        return found

    def answers_to(self) -> set[str]:
        urns = set(self._engine.values())
        for resource in self._registry:
            urns |= self.alias_urns(resource)
        return urns


def broken(committed: Iterable[str], registry: Registry) -> list[str]:
    """Committed URNs that no resource has any more, not even through an alias: each would be
    deleted and re-created by the next `up`."""
    answered = AliasIndex(registry).answers_to()
    return sorted(urn for urn in committed if urn not in answered)
