"""Run Pulumi code under mocks and keep what it registered, for assertions.

`run_under_mocks(fn)` sets fresh mocks, runs `fn` inside `pulumi.runtime.test` (which waits for
every registration) and returns a `Registry`: each resource's type, name, parent, dependencies
and inputs, plus the stack outputs. Secret inputs keep Pulumi's secret wrapper, so tests can
check that a value travelled as a secret (`is_secret`) and read it with `unwrap`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings

SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


def unwrap(value: Any) -> Any:
    """Strip secret wrappers anywhere in a value."""
    if is_secret(value):
        return unwrap(value["value"])
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


@dataclass
class Registered:
    type: str
    name: str
    raw_inputs: dict[str, Any]
    urn: str = ""
    parent: str = ""
    dependencies: list[str] = field(default_factory=list)
    aliases: list[dict[str, Any]] = field(default_factory=list)
    """The resource's `aliases` as sent to the engine: {"urn": ...} or an alias spec
    ({"name", "type", "parentUrn", "noParent"}, empty meaning "as now")."""

    @property
    def inputs(self) -> dict[str, Any]:
        return dict(unwrap(self.raw_inputs))

    @property
    def k8s_name(self) -> str:
        return str(self.inputs.get("metadata", {}).get("name", ""))

    @property
    def spec(self) -> dict[str, Any]:
        return dict(self.inputs.get("spec", {}))


@dataclass
class Registry(pulumi.runtime.Mocks):
    resources: list[Registered] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    stack: str = "dev"
    project: str = "slipway"

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None

    def __iter__(self) -> Iterator[Registered]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def of_type(self, type_token: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, k8s_name: str | None = None) -> Registered:
        found = [r for r in self.of_type(type_token)
                 if k8s_name is None or r.k8s_name == k8s_name]
        assert len(found) == 1, f"expected one {type_token} {k8s_name or ''}, got {len(found)}"
        return found[0]

    def by_urn(self, urn: str) -> Registered:
        return next(r for r in self.resources if r.urn == urn)

    def children_of(self, parent: Registered) -> list[Registered]:
        return [r for r in self.resources if r.parent == parent.urn]


def _alias(alias: Any) -> dict[str, Any]:
    if alias.WhichOneof("alias") == "urn":
        return {"urn": alias.urn}
    spec = alias.spec
    return {"name": spec.name, "type": spec.type, "parentUrn": spec.parentUrn,
            "noParent": spec.noParent}


def run_under_mocks(fn: Callable[[], Any], *, stack: str = "dev",
                    config: Mapping[str, Any] | None = None,
                    preview: bool = False, registry: Registry | None = None) -> Registry:
    """Run `fn` as a Pulumi program under mocks; config values may be objects (JSON-encoded).

    Pass your own `registry` to inspect what was registered even when `fn` raises.
    """
    registry = registry if registry is not None else Registry()
    registry.stack, registry.project = stack, "slipway"
    pulumi.runtime.set_mocks(registry, project=registry.project, stack=stack, preview=preview)
    as_strings = {key: value if isinstance(value, str) else json.dumps(value)
                  for key, value in (config or {}).items()}
    pulumi.runtime.set_all_config(as_strings)
    monitor: Any = runtime_settings.get_monitor()
    register_resource = monitor.RegisterResource

    def record_resource(request: Any, *args: Any, **kwargs: Any) -> Any:
        response = register_resource(request, *args, **kwargs)
        if request.type != "pulumi:pulumi:Stack":
            registry.resources.append(Registered(
                type=request.type,
                name=request.name,
                raw_inputs=dict(rpc.deserialize_properties(request.object, keep_unknowns=True)),
                urn=response.urn,
                parent=request.parent,
                dependencies=list(request.dependencies),
                aliases=[_alias(alias) for alias in request.aliases],
            ))
        return response

    monitor.RegisterResource = record_resource

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def body() -> Any:
        fn()
        # `pulumi.export` collects into the root stack resource; resolve them all.
        root: Any = runtime_settings.get_root_resource()
        exported = pulumi.Output.from_input(dict(root.outputs) if root else {})
        return exported.apply(registry.outputs.update)

    # The language host hands a program its config in PULUMI_CONFIG as well; the program reads
    # every key it does not know from there (to refuse misspelt settings).
    saved = os.environ.get("PULUMI_CONFIG")
    os.environ["PULUMI_CONFIG"] = json.dumps(as_strings)
    try:
        body()
    finally:
        if saved is None:
            del os.environ["PULUMI_CONFIG"]
        else:
            os.environ["PULUMI_CONFIG"] = saved
    return registry
