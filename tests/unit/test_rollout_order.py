"""The catalog's ordering: a caller's rollout starts only after what it calls is serving.

`deploy_catalog` makes each Deployment wait for its callees' Deployments (every track or slot
of a release), Services and NetworkPolicy, and nothing else waits across services: whole
components never depend on each other (that serialised long call chains; docs/scale.md).
"""

from __future__ import annotations

from typing import Any

from microservice_fixtures import (
    COMPONENT,
    CONFIG_MAP,
    DEPLOYMENT,
    IMAGE,
    NETWORK_POLICY,
    SERVICE,
    spec,
)
from mocking import Registered, Registry, run_under_mocks
from slipway import Environment, SecretStoreRef, deploy_catalog
from slipway.release_state import ReleaseRef, ReleaseState
from slipway.spec.catalog import Catalog

ENV = Environment(name="dev", namespace="apps", observability=False)
CANDIDATE = ReleaseRef(version="1.3.0", image="registry.example.com/team/api@sha256:" + "b" * 64)


def deploy(services: dict[str, dict[str, Any]],
           releases: dict[str, ReleaseState] | None = None) -> Registry:
    specs = {name: spec(name=name, image=IMAGE.replace("/api@", f"/{name}@"), **fields)
             for name, fields in services.items()}
    catalog = Catalog(services=specs, sources={name: f"services/{name}.yaml" for name in specs})

    def program() -> None:
        deploy_catalog(catalog, ENV, "apps", secret_store=SecretStoreRef(name="store"),
                       releases=releases)

    return run_under_mocks(program)


def waited_for(registry: Registry, resource: Registered) -> set[tuple[str, str]]:
    """(type, Kubernetes name) of every resource `resource` was registered to wait for."""
    return {(registry.by_urn(urn).type, registry.by_urn(urn).k8s_name)
            for urn in resource.dependencies if registry.by_urn(urn).type != COMPONENT}


def test_a_deployment_waits_for_the_deployment_service_and_policy_of_each_callee() -> None:
    registry = deploy({"web": {"calls": ["orders", "stock"]}, "orders": {"calls": ["stock"]},
                       "stock": {}})
    web = waited_for(registry, registry.one(DEPLOYMENT, "web"))
    assert {(DEPLOYMENT, "orders"), (DEPLOYMENT, "stock")} <= web
    assert {(SERVICE, "orders"), (SERVICE, "stock")} <= web
    assert {(NETWORK_POLICY, "orders"), (NETWORK_POLICY, "stock")} <= web
    orders = waited_for(registry, registry.one(DEPLOYMENT, "orders"))
    assert (DEPLOYMENT, "stock") in orders
    assert (DEPLOYMENT, "web") not in orders


def test_a_deployment_waits_for_every_track_of_a_callee_under_release() -> None:
    registry = deploy(
        {"web": {"calls": ["orders"]}, "orders": {"release": {"strategy": "canary"}}},
        releases={"orders": ReleaseState(candidate=CANDIDATE, weight=5)},
    )
    tracks = {r.k8s_name for r in registry.of_type(DEPLOYMENT) if r.k8s_name != "web"}
    assert tracks == {"orders", "orders-canary"}
    web = waited_for(registry, registry.one(DEPLOYMENT, "web"))
    assert {(DEPLOYMENT, "orders"), (DEPLOYMENT, "orders-canary")} <= web


def test_nothing_but_the_deployments_waits_across_services() -> None:
    registry = deploy({"web": {"calls": ["orders"], "config": {"MODE": "fast"}}, "orders": {}})
    web_component = next(r for r in registry.of_type(COMPONENT) if r.name == "web")
    # No component-level dependency: it would hold all of web until all of orders is done.
    assert web_component.dependencies == []
    orders_urns = {r.urn for r in registry.resources
                   if r.parent == next(c.urn for c in registry.of_type(COMPONENT)
                                       if c.name == "orders")}
    for resource in registry.children_of(web_component):
        if resource.type != DEPLOYMENT:
            assert not orders_urns & set(resource.dependencies), resource.name
    assert registry.one(CONFIG_MAP, "web-config").dependencies == []


def test_services_nobody_calls_wait_only_for_their_own_resources() -> None:
    registry = deploy({"web": {"secrets": ["TOKEN"]}, "orders": {"secrets": ["TOKEN"]}})
    for deployment in registry.of_type(DEPLOYMENT):
        owners = {registry.by_urn(urn).parent for urn in deployment.dependencies}
        assert owners == {deployment.parent}, deployment.k8s_name


def longest_wait(registry: Registry) -> int:
    """Registrations on the longest path of waits (each must be answered before the next
    is sent): the engine round trips a chain of calls costs a preview or an update."""
    depth: dict[str, int] = {}

    def of(urn: str) -> int:
        if urn not in depth:
            waits = [of(dep) for dep in registry.by_urn(urn).dependencies]
            depth[urn] = 1 + max(waits, default=0)
        return depth[urn]

    return max(of(r.urn) for r in registry.resources if r.type != COMPONENT)


def chain(length: int) -> dict[str, dict[str, Any]]:
    """svc-0 calls svc-1 calls ... svc-(length - 1), all rolling."""
    return {f"svc-{i}": {"calls": [f"svc-{i + 1}"]} if i + 1 < length else {}
            for i in range(length)}


def test_each_service_down_a_call_chain_adds_one_registration_to_the_longest_wait() -> None:
    # A rolling callee's Service waits for nothing, so a caller's Deployment waits for the
    # callee's Deployment itself, not for a Service registered only after it (which made two
    # round trips per service along a chain).
    assert longest_wait(deploy(chain(6))) - longest_wait(deploy(chain(3))) == 3
