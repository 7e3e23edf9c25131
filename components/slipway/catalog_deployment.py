"""One Microservice per catalog entry, wired from the call graph.

The catalog is the source of truth for who may talk to whom: each service gets its callers
(NetworkPolicy ingress) and its callees' ports (egress). Services are created callee-first and
each Deployment waits for the services it calls (their Deployments, Services and
NetworkPolicy: `Microservice.serving`), so a rollout never starts before its dependencies have
rolled out.

Only the Deployments wait: a `depends_on` between whole components held every resource of a
caller (and of its callers, transitively) until every resource of its callees was done, which
serialised a long call chain and made previews grow quadratically (docs/scale.md).
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from .environment import Environment, SecretStoreRef
from .microservice import Microservice, MicroserviceArgs
from .network_policy import Peer
from .release_state import ReleaseState
from .spec.catalog import Catalog


def deploy_catalog(catalog: Catalog, environment: Environment, namespace: pulumi.Input[str],
                   *, secret_values: Mapping[str, Mapping[str, pulumi.Input[str]]] | None = None,
                   secret_store: SecretStoreRef | None = None,
                   role_arns: Mapping[str, pulumi.Input[str]] | None = None,
                   releases: Mapping[str, ReleaseState] | None = None,
                   opts: pulumi.ResourceOptions | None = None) -> dict[str, Microservice]:
    """Create the services in dependency order; returns them by name. `role_arns` (by
    service) become the ServiceAccounts' IRSA annotation."""
    role_arns = role_arns or {}
    secret_values = secret_values or {}
    releases = releases or {}
    created: dict[str, Microservice] = {}
    for spec in catalog.in_dependency_order():
        callees_serving = [resource for name in spec.callees for resource in created[name].serving]
        created[spec.name] = Microservice(
            spec.name,
            MicroserviceArgs(
                spec=spec,
                environment=environment,
                namespace=namespace,
                callers=catalog.callers_of(spec.name),
                calls=[Peer(name, catalog[name].port) for name in spec.callees],
                secret_values=dict(secret_values.get(spec.name, {})) if secret_store is None
                else {},
                secret_store=secret_store,
                iam_role_arn=role_arns.get(spec.name),
                release=releases.get(spec.name),
                rollout_after=callees_serving,
            ),
            opts=opts,
        )
    return created
