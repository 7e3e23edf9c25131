"""The pack's rules, and the thin wrappers that turn each into a CrossGuard policy.

Each rule is a plain function ``check(props_or_resources, config) -> Violations`` in its own
module. The wrappers here only adapt: unwrap the engine's props, skip resources a valid
exemption covers, report each message (with the URN a stack rule names), report a config
mistake as a violation, and turn values unknown during preview into the engine's "checked at
update" diagnostic instead of a silent pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, Final

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_OBJECT_VALUE, UnknownValueError

from rules import (
    disruption,
    exemptions,
    freeze,
    images,
    network,
    plaintext_secrets,
    probes,
    prod,
    resources,
    routes,
    service_exposure,
    signatures,
)
from rules.config import ConfigError, schema
from rules.k8s import (
    CONFIGMAP_TYPE,
    SERVICE_TYPE,
    Violations,
    is_pod_type,
    is_unknown,
    is_workload_type,
    label,
    lookup,
    plain,
)
from rules.pod_security import CONTROLS

PACK_NAME: Final = "slipway-kubernetes"
ResourceCheck = Callable[[Mapping[str, Any], Mapping[str, Any] | None], Violations]
StackCheck = Callable[[list[Any], Mapping[str, Any] | None], Violations]


@dataclass(frozen=True)
class ResourceRule:
    name: str
    description: str
    severity: str
    check: ResourceCheck
    defaults: Mapping[str, Any]
    # Which Pulumi resource types it checks; None: every Kubernetes resource.
    applies: Callable[[str], bool] | None = None


@dataclass(frozen=True)
class StackRule:
    name: str
    description: str
    severity: str
    check: StackCheck
    defaults: Mapping[str, Any] = field(default_factory=dict)


_WORKLOADS: Final = is_workload_type
_PODS: Final = is_pod_type  # workloads and PodTemplates


def _one_of(*types: str) -> Callable[[str], bool]:
    return frozenset(types).__contains__


RESOURCE_RULES: Final[list[ResourceRule]] = [
    # First: the engine runs a pack's policies in this order for each resource, and the
    # exemption rule's maxDays must be known before any other rule asks is_exempt.
    ResourceRule(exemptions.RULE, exemptions.DESCRIPTION, "medium",
                 lambda props, cfg: exemptions.check_exemptions(props, cfg, RULE_NAMES),
                 exemptions.DEFAULTS),
    ResourceRule(probes.RULE, probes.DESCRIPTION, "medium", probes.check_probes,
                 probes.DEFAULTS, _WORKLOADS),
    ResourceRule(resources.RULE, resources.DESCRIPTION, "medium", resources.check_resources,
                 resources.DEFAULTS, _WORKLOADS),
    ResourceRule(images.DIGEST_RULE, images.DIGEST_DESCRIPTION, "high", images.check_digest,
                 images.DIGEST_DEFAULTS, _PODS),
    ResourceRule(images.REGISTRY_RULE, images.REGISTRY_DESCRIPTION, "high",
                 images.check_registry, images.REGISTRY_DEFAULTS, _PODS),
    ResourceRule(images.LATEST_RULE, images.LATEST_DESCRIPTION, "medium", images.check_latest,
                 images.LATEST_DEFAULTS, _PODS),
    ResourceRule(signatures.RULE, signatures.DESCRIPTION, "critical",
                 signatures.check_signatures, signatures.DEFAULTS, _PODS),
    *[ResourceRule(c.rule, c.description, c.severity, c.check, c.defaults, _PODS)
      for c in CONTROLS],
    ResourceRule(plaintext_secrets.ENV_RULE, plaintext_secrets.ENV_DESCRIPTION, "critical",
                 plaintext_secrets.check_env_secrets, plaintext_secrets.DEFAULTS, _PODS),
    ResourceRule(plaintext_secrets.COMMAND_RULE, plaintext_secrets.COMMAND_DESCRIPTION,
                 "critical", plaintext_secrets.check_command_secrets,
                 plaintext_secrets.DEFAULTS, _PODS),
    ResourceRule(plaintext_secrets.CONFIGMAP_RULE, plaintext_secrets.CONFIGMAP_DESCRIPTION,
                 "critical", plaintext_secrets.check_configmap_secrets,
                 plaintext_secrets.DEFAULTS, _one_of(CONFIGMAP_TYPE)),
    ResourceRule(service_exposure.RULE, service_exposure.DESCRIPTION, "high",
                 service_exposure.check_service_exposure, service_exposure.DEFAULTS,
                 _one_of(SERVICE_TYPE)),
    ResourceRule(service_exposure.EXTERNAL_IPS_RULE, service_exposure.EXTERNAL_IPS_DESCRIPTION,
                 "high", service_exposure.check_external_ips,
                 service_exposure.EXTERNAL_IPS_DEFAULTS, _one_of(SERVICE_TYPE)),
]

STACK_RULES: Final[list[StackRule]] = [
    StackRule(disruption.RULE, disruption.DESCRIPTION, "medium",
              disruption.check_disruption_budgets, disruption.DEFAULTS),
    StackRule(network.NETWORK_POLICY_RULE, network.NETWORK_POLICY_DESCRIPTION, "high",
              network.check_network_policies, network.NETWORK_POLICY_DEFAULTS),
    StackRule(network.SERVICE_RULE, network.SERVICE_DESCRIPTION, "medium",
              network.check_service_selectors, network.SERVICE_DEFAULTS),
    StackRule(network.HPA_RULE, network.HPA_DESCRIPTION, "medium",
              network.check_hpa_targets, network.HPA_DEFAULTS),
    StackRule(routes.RULE, routes.DESCRIPTION, "high",
              routes.check_route_weights, routes.DEFAULTS),
    StackRule(freeze.RULE, freeze.DESCRIPTION, "high", freeze.check_freeze, freeze.DEFAULTS),
    StackRule(prod.REPLICAS_RULE, prod.REPLICAS_DESCRIPTION, "high",
              prod.check_prod_replicas, prod.REPLICAS_DEFAULTS),
    StackRule(prod.SPREAD_RULE, prod.SPREAD_DESCRIPTION, "medium",
              prod.check_prod_zone_spread, prod.SPREAD_DEFAULTS),
]

RULE_NAMES: Final[frozenset[str]] = frozenset(
    [r.name for r in RESOURCE_RULES] + [r.name for r in STACK_RULES])


def report(
    rule: str, out: Violations, report_violation: ReportViolation, who: str | None = None
) -> None:
    """Report each message; then, if a value was unknown, tell the engine it is checked later.

    The engine prints that note without naming a resource, so the note names it: ``who``
    for a resource rule, and each deferred field of a stack rule carries its resource.
    """
    for index, message in enumerate(out):
        report_violation(message, out.urn(index))
    if out.unknown:
        error = UnknownValueError(UNKNOWN_OBJECT_VALUE, [])
        fields = ", ".join(out.unknown)
        error.message = (
            f"{who + ': ' if who else ''}{fields} unknown until update; {rule} checks "
            f"{'them' if len(out.unknown) > 1 else 'it'} then"
        )
        raise error


def resource_props(args: ResourceValidationArgs) -> dict[str, Any]:
    props = plain(args.props)
    props = props if isinstance(props, dict) else {}
    if "kind" not in props and args.resource_type.startswith("kubernetes:"):
        props["kind"] = args.resource_type.rsplit(":", 1)[-1]
    return props


def _resource_name(props: Mapping[str, Any], args: ResourceValidationArgs) -> str:
    """How the "unknown until update" note names a resource: its kind and name, else its URN."""
    name = lookup(props, ("metadata", "name"))
    known = isinstance(name, str) and bool(name) and not is_unknown(name)
    return label(props) if known else f"{label(props)} ({args.urn})"


def validate_resource(
    rule: ResourceRule, args: ResourceValidationArgs, report_violation: ReportViolation,
    today: date | None = None,
) -> None:
    if rule.applies is None:
        if not args.resource_type.startswith("kubernetes:"):
            return
    elif not rule.applies(args.resource_type):
        return
    props = resource_props(args)
    if rule.name == exemptions.RULE:
        exemptions.configure(plain(args.get_config()))
    elif exemptions.is_exempt(props, rule.name, today):
        return
    try:
        out = rule.check(props, plain(args.get_config()))
    except ConfigError as error:
        report_violation(str(error), None)
        return
    report(rule.name, out, report_violation, _resource_name(props, args))


def validate_stack(
    rule: StackRule, args: StackValidationArgs, report_violation: ReportViolation
) -> None:
    try:
        out = rule.check(list(args.resources), plain(args.get_config()))
    except ConfigError as error:
        report_violation(str(error), None)
        return
    report(rule.name, out, report_violation)


def _schema(defaults: Mapping[str, Any]) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(properties=schema(defaults)) if defaults else None


def build_policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    """Every rule as a CrossGuard policy; enforcement levels come from the config files."""
    built: list[ResourceValidationPolicy | StackValidationPolicy] = [
        ResourceValidationPolicy(
            name=r.name,
            description=r.description,
            validate=partial(validate_resource, r),
            config_schema=_schema(r.defaults),
            severity=Severity(r.severity),
        )
        for r in RESOURCE_RULES
    ]
    built += [
        StackValidationPolicy(
            name=r.name,
            description=r.description,
            validate=partial(validate_stack, r),
            config_schema=_schema(r.defaults),
            severity=Severity(r.severity),
        )
        for r in STACK_RULES
    ]
    return built
