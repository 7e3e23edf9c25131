"""Run Pulumi code under mocks and keep what it registered, for assertions.

`run_under_mocks(fn)` sets fresh mocks, runs `fn` inside `pulumi.runtime.test` (which waits for
every registration) and returns a `Registry` of the resources with their resolved inputs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import settings as runtime_settings


@dataclass
class Registered:
    type: str
    name: str
    inputs: dict[str, Any]
    parent: str | None = None
    urn: str = ""

    @property
    def kind(self) -> str:
        return self.type.split(":")[-1]

    @property
    def k8s_name(self) -> str:
        return str(self.inputs.get("metadata", {}).get("name", ""))


@dataclass
class Registry(pulumi.runtime.Mocks):
    resources: list[Registered] = field(default_factory=list)
    stack_outputs: dict[str, Any] = field(default_factory=dict)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(Registered(args.typ, args.name, dict(args.inputs), None,
                                         args.urn if hasattr(args, "urn") else ""))
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}

    # -- queries --------------------------------------------------------------------------

    def __iter__(self) -> Iterator[Registered]:
        return iter(self.resources)

    def of_type(self, type_token: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, k8s_name: str | None = None) -> Registered:
        found = [r for r in self.of_type(type_token)
                 if k8s_name is None or r.k8s_name == k8s_name]
        assert len(found) == 1, f"expected one {type_token} {k8s_name or ''}, got {len(found)}"
        return found[0]

    def kinds(self) -> list[str]:
        return sorted(r.type for r in self.resources)


def run_under_mocks(fn: Callable[[], Any], *, stack: str = "dev",
                    config: Mapping[str, Any] | None = None,
                    preview: bool = False) -> Registry:
    registry = Registry()
    pulumi.runtime.set_mocks(registry, project="slipway", stack=stack, preview=preview)
    pulumi.runtime.set_all_config({
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in (config or {}).items()
    })
    # Record parents through the register-resource hook: mocks do not see them.
    monitor = runtime_settings.get_monitor()
    original = monitor.RegisterResource  # type: ignore[union-attr]

    def register(request: Any, *args: Any, **kwargs: Any) -> Any:
        response = original(request, *args, **kwargs)
        for resource in registry.resources:
            if resource.urn == "" and resource.name == request.name and \
                    resource.type == request.type:
                resource.urn = response.urn
                resource.parent = request.parent or None
        return response

    monitor.RegisterResource = register  # type: ignore[union-attr]

    @pulumi.runtime.test
    def body() -> Any:
        fn()
        return None

    body()
    return registry
