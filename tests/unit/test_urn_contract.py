"""Names are a contract: the example catalog's URNs only change with `aliases`.

A changed URN (a renamed resource, a new type or parent) makes the next `up` delete the old
resource and create a new one: an outage for a Deployment. tests/snapshots/urns.json holds the
reviewed URNs of every environment; each must still be answered by a resource, directly or
through an alias. `make snapshots` refuses to drop one without an alias.
"""

from __future__ import annotations

import json

import pulumi
import pytest
from catalog_snapshots import ENVIRONMENTS, URNS, run_catalog
from urns import AliasIndex, broken, engine_urns

from microservice_fixtures import spec
from mocking import Registry, run_under_mocks
from slipway import Environment, Microservice, MicroserviceArgs

ENV = Environment(name="dev", namespace="apps")


def committed(environment: str) -> list[str]:
    return list(json.loads(URNS.read_text(encoding="utf-8"))[environment])


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_committed_urn_of_the_example_catalog_is_still_answered(environment: str) -> None:
    assert len(committed(environment)) > 50
    assert broken(committed(environment), run_catalog(environment)) == []


def service(name: str, aliases: list[pulumi.Alias] | None = None) -> Registry:
    def program() -> None:
        Microservice(name, MicroserviceArgs(spec=spec(), environment=ENV, namespace="apps"),
                     opts=pulumi.ResourceOptions(aliases=aliases))

    return run_under_mocks(program)


def test_a_rename_without_an_alias_breaks_the_contract() -> None:
    before = sorted(engine_urns(service("api")).values())
    lost = broken(before, service("shop-api"))
    # The component and every child named after it would be replaced.
    assert "urn:pulumi:dev::slipway::slipway:index:Microservice::api" in lost
    assert any(urn.endswith("kubernetes:apps/v1:Deployment::api-deployment") for urn in lost)
    assert len(lost) == len(before)


def test_a_rename_with_an_alias_keeps_every_urn() -> None:
    before = sorted(engine_urns(service("api")).values())
    assert broken(before, service("shop-api", aliases=[pulumi.Alias(name="api")])) == []


def test_an_alias_by_urn_covers_only_that_resource() -> None:
    before = sorted(engine_urns(service("api")).values())
    after = service("shop-api", aliases=[
        "urn:pulumi:dev::slipway::slipway:index:Microservice::api"])  # type: ignore[list-item]
    lost = broken(before, after)
    assert "urn:pulumi:dev::slipway::slipway:index:Microservice::api" not in lost
    # Its children inherit the alias: they are still found under the old parent.
    assert lost == []


def test_children_inherit_their_parents_aliases() -> None:
    after = service("shop-api", aliases=[pulumi.Alias(name="api")])
    index = AliasIndex(after)
    deployment = next(r for r in after if r.type == "kubernetes:apps/v1:Deployment")
    assert ("urn:pulumi:dev::slipway::slipway:index:Microservice$kubernetes:apps/v1:Deployment"
            "::api-deployment") in index.alias_urns(deployment)
