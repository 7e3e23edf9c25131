"""Cross-layer checks: what the services need against what the stack and platform provide.

Pure functions over plans (subnets, roles, node groups) and the catalog; the program runs them
all before registering anything, so a mismatch creates nothing. Each returns a list of problems
(empty when sound); `check_platform` raises them together as a SpecError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..environment import Environment, SecretStoreRef
from ..platform import iam_policies
from ..platform.service_roles import ServiceRolePlan, service_account_name
from ..platform.subnets import ELB_TAG, ZONE_COUNT, SubnetPlan, subnet_tags
from ..release_state import ReleaseState
from ..spec.calls import callee, major
from ..spec.catalog import Catalog
from ..spec.errors import SpecError
from ..spec.service import ServiceSpec
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


# -- breaking changes wait for their consumers -----------------------------------------------


@dataclass(frozen=True)
class UnreadyCaller:
    """A caller that cannot talk to a version its callee is about to run."""

    caller: str
    accepts: list[int]
    """The callee's majors it works with (its calls entry, or the callee's current major)."""
    declared: bool
    """Whether the caller listed them (`majors`), or took the default."""


def current_major(spec: ServiceSpec, recorded: ReleaseState | None) -> int:
    """The callee major a plain `calls` entry works with: the one that runs (the recorded
    stable version), or the file's before the service's first deployment."""
    if recorded is not None and recorded.stable is not None:
        return major(recorded.stable.version)
    return major(spec.version)


def _provided(spec: ServiceSpec, version: str) -> set[int]:
    """Majors of the API `version` serves: the file's version also serves its
    compatibility.servesMajors; any other (the stable one) serves its own major."""
    return set(spec.served_majors) if version == spec.version else {major(version)}


def callers_not_ready(specs: Mapping[str, ServiceSpec], name: str, running: Sequence[str],
                      recorded: Mapping[str, ReleaseState]) -> list[UnreadyCaller]:
    """The callers of `name` that do not work with every version in `running` (the versions
    the service will serve: stable, and a candidate), by name."""
    spec = specs[name]
    default = current_major(spec, recorded.get(name))
    unready = []
    for caller in sorted(s.name for s in specs.values() if name in s.callees):
        declared = specs[caller].majors_accepted(name)
        accepts = declared if declared is not None else [default]
        if any(not set(accepts) & _provided(spec, version) for version in running):
            unready.append(UnreadyCaller(caller, accepts, declared is not None))
    return unready


def major_refusal(specs: Mapping[str, ServiceSpec], sources: Mapping[str, str], name: str,
                  running: Sequence[str], recorded: Mapping[str, ReleaseState]) -> str | None:
    """Why `name` may not serve `running` yet (None: every caller is ready). Names the
    callers, what each accepts, and the two ways forward."""
    unready = callers_not_ready(specs, name, running, recorded)
    if not unready:
        return None
    spec = specs[name]
    state = recorded.get(name)
    current = current_major(spec, state)
    if {major(v) for v in running} == {current}:
        return _callers_listing_other_majors(specs, sources, name, running, unready)
    new = sorted({major(v) for v in running} - {current}) or [major(spec.version)]
    runs = (f"{state.stable.version} runs" if state is not None and state.stable is not None
            else f"callers expect major {current}")
    callers = "; ".join(
        f"{u.caller} ({sources.get(u.caller, u.caller)}: calls accepts {name} "
        f"major{'s' if len(u.accepts) > 1 else ''} {', '.join(map(str, u.accepts))}"
        f"{'' if u.declared else ', the default: its current major'})" for u in unready)
    wanted = sorted({current, *new})
    return (f"{sources.get(name, name)}: version: {spec.version} is major "
            f"{', '.join(map(str, new))} ({runs}), and callers are not ready: {callers}. "
            f"Each caller lists the new major in its calls entry (e.g. calls: [{{service: "
            f"{name}, majors: [{', '.join(map(str, wanted))}]}}]), or {name} declares "
            f"compatibility.servesMajors: [{current}] while it still serves the {current}.x API")


def _callers_listing_other_majors(specs: Mapping[str, ServiceSpec], sources: Mapping[str, str],
                                  name: str, running: Sequence[str],
                                  unready: Sequence[UnreadyCaller]) -> str:
    """No major changes, yet callers are not ready: their own calls entries list majors the
    callee does not serve. The cause is the caller's file, so the line names it."""
    first, *others = unready
    served = sorted({m for v in running for m in _provided(specs[name], v)})
    index = next(i for i, entry in enumerate(specs[first.caller].calls)
                 if callee(entry) == name)
    also = "".join(f"; {u.caller} ({sources.get(u.caller, u.caller)}) lists "
                   f"{', '.join(map(str, u.accepts))} too" for u in others)
    return (f"{sources.get(first.caller, first.caller)}: calls[{index}].majors: lists {name} "
            f"major{'s' if len(first.accepts) > 1 else ''} "
            f"{', '.join(map(str, first.accepts))}, but {name} ({sources.get(name, name)}) "
            f"serves major{'s' if len(served) > 1 else ''} {', '.join(map(str, served))} "
            f"(version {', '.join(running)}): list {', '.join(map(str, served))} in majors, or "
            f"leave majors out to follow {name}'s current major{also}")


def check_call_majors(catalog: Catalog, recorded: Mapping[str, ReleaseState],
                      applied: Mapping[str, ReleaseState]) -> None:
    """Refuse an update (and its preview) in which a service would serve a major version one
    of its callers does not work with. `recorded` is the release progress before the update,
    `applied` what the update runs (stable and candidate)."""
    problems = []
    for spec in catalog:
        state = applied.get(spec.name)
        running = [ref.version for ref in (state.stable, state.candidate) if ref is not None] \
            if state is not None else []
        refusal = major_refusal(catalog.services, catalog.sources, spec.name,
                                running or [spec.version], recorded)
        if refusal is not None:
            problems.append(refusal)
    if problems:
        raise SpecError(problems)
