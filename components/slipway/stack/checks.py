"""Cross-layer checks: what the services need against what the stack and platform provide.

Pure functions over plans (subnets, roles, node groups) and the catalog; the program runs them
all before registering anything, so a mismatch creates nothing. Each returns a list of problems
(empty when sound); `check_platform` raises them together as a SpecError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..environment import Environment, SecretStoreRef
from ..platform import iam_policies
from ..platform.service_roles import ServiceRolePlan, service_account_name
from ..platform.subnets import ELB_TAG, ZONE_COUNT, SubnetPlan, subnet_tags
from ..release_state import ReleaseState
from ..spec.catalog import Catalog
from ..spec.errors import SpecError
from .capacity import CapacityReport, NodePool, check_capacity


def check_public_subnets(catalog: Catalog, plan: Sequence[SubnetPlan], cluster_name: str,
                         source: str) -> list[str]:
    """A public service needs a public subnet tagged for internet-facing load balancers in
    every zone (the load balancer controller picks subnets by that tag)."""
    public = [spec.name for spec in catalog if spec.exposure.public]
    if not public:
        return []
    tagged = {p.zone for p in plan if p.tier == "public"
              and subnet_tags(p.tier, cluster_name, "owned", p.key).get(ELB_TAG) == "1"}
    if len(tagged) < ZONE_COUNT:
        return [f"{source}: slipway:aws: public services ({', '.join(public)}) need a public "
                f"subnet tagged {ELB_TAG}=1 in each of {ZONE_COUNT} zones; found "
                f"{len(tagged)} ({', '.join(sorted(tagged)) or 'none'})"]
    return []


def check_role_trust(catalog: Catalog, environment: Environment,
                     roles: Mapping[str, ServiceRolePlan]) -> list[str]:
    """Each role's trust policy names the ServiceAccount its service actually runs as (in the
    namespace the program deploys to), and only services that declare permissions have one."""
    problems = []
    for spec in catalog:
        where = f"{catalog.sources.get(spec.name, spec.name)}: aws.permissions"
        plan = roles.get(spec.name)
        if plan is None:
            if spec.aws.permissions:
                problems.append(f"{where}: declares permissions but no role is planned")
            continue
        if not spec.aws.permissions:
            problems.append(f"{where}: declares no permissions but a role is planned")
        expected = iam_policies.service_account_subject(environment.namespace,
                                                        service_account_name(spec.name))
        # The plan's own ServiceAccount is what its trust policy names (ServiceRolePlan.trust);
        # the cluster's OIDC issuer is not known before the cluster exists, and not needed here.
        trusted = iam_policies.service_account_subject(plan.namespace, plan.service_account)
        if trusted != expected:
            problems.append(f"{where}: role trusts {trusted}, but the service runs as "
                            f"{expected}")
    for name in sorted(set(roles) - set(catalog.services)):
        problems.append(f"role planned for {name!r}, which is not in the catalog")
    return problems


def check_platform(catalog: Catalog, environment: Environment, *, plan: Sequence[SubnetPlan],
                   cluster_name: str, roles: Mapping[str, ServiceRolePlan],
                   pools: Sequence[NodePool], source: str) -> CapacityReport:
    """Every cross-layer check; raises SpecError with every problem, else returns the
    capacity report (for the program to print)."""
    problems = check_public_subnets(catalog, plan, cluster_name, source)
    problems += check_role_trust(catalog, environment, roles)
    if problems:
        raise SpecError(problems)
    return check_capacity(catalog, environment, pools, source)


def check_secret_values(catalog: Catalog, secret_values: Mapping[str, Mapping[str, object]],
                        source: str, store: SecretStoreRef | None) -> None:
    """Every declared secret has a value (unless a store provides them); no stray values."""
    problems = []
    for service in sorted(secret_values):
        if service not in catalog.services:
            problems.append(
                f"{source}: slipway:secretValues.{service}: no service named {service!r} in "
                "the catalog"
            )
    for spec in catalog:
        given = secret_values.get(spec.name, {})
        for name in sorted(set(given) - set(spec.secrets)):
            problems.append(
                f"{source}: slipway:secretValues.{spec.name}.{name}: {catalog.sources[spec.name]}"
                f" declares no secret {name!r} (declared: {', '.join(spec.secrets) or 'none'})"
            )
        if store is None:
            for name in spec.secrets:
                if name not in given:
                    problems.append(
                        f"{source}: slipway:secretValues.{spec.name}.{name}: is not set; run "
                        f"`pulumi config set --secret --path 'secretValues.{spec.name}.{name}' "
                        "<value>` or configure slipway:secretStore"
                    )
    if problems:
        raise SpecError(problems)


def check_releases(catalog: Catalog, releases: Mapping[str, ReleaseState], source: str) -> None:
    """Release state only for services of the catalog (a removed service leaves none behind)."""
    problems = [
        f"{source}: slipway:releases.{service}: no service named {service!r} in the catalog; "
        f"remove it with `pulumi config rm --path 'releases.{service}'`"
        for service in sorted(releases) if service not in catalog.services
    ]
    if problems:
        raise SpecError(problems)
