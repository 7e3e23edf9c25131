"""The pack's rules, and the thin wrappers that turn each into a CrossGuard policy.

Each rule is a plain function ``check(props_or_resources, config) -> Violations`` in its own
module. The wrappers here only adapt: unwrap the engine's props, skip resources a valid
exemption covers, report each message (with the URN a stack rule names), report a config
mistake as a violation, and turn values unknown during preview into the engine's "checked at
update" diagnostic instead of a silent pass.
"""

from __future__ import annotations

import os
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
    pod_security,
    probes,
    prod,
    resources,
    routes,
    service_exposure,
    signatures,
)
from rules.config import ConfigError, schema
from rules.k8s import CONFIGMAP_TYPE, SERVICE_TYPE, WORKLOAD_TYPES, Violations, plain

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
    types: frozenset[str] | None = None  # None: every Kubernetes resource


@dataclass(frozen=True)
class StackRule:
    name: str
    description: str
    severity: str
    check: StackCheck
    defaults: Mapping[str, Any] = field(default_factory=dict)


_WORKLOADS: Final = frozenset(WORKLOAD_TYPES)

RESOURCE_RULES: Final[list[ResourceRule]] = [
    ResourceRule(probes.RULE, probes.DESCRIPTION, "medium", probes.check_probes,
                 probes.DEFAULTS, _WORKLOADS),
    ResourceRule(resources.RULE, resources.DESCRIPTION, "medium", resources.check_resources,
                 resources.DEFAULTS, _WORKLOADS),
    ResourceRule(images.DIGEST_RULE, images.DIGEST_DESCRIPTION, "high", images.check_digest,
                 images.DIGEST_DEFAULTS, _WORKLOADS),
    ResourceRule(images.REGISTRY_RULE, images.REGISTRY_DESCRIPTION, "high",
                 images.check_registry, images.REGISTRY_DEFAULTS, _WORKLOADS),
    ResourceRule(images.LATEST_RULE, images.LATEST_DESCRIPTION, "medium", images.check_latest,
                 images.LATEST_DEFAULTS, _WORKLOADS),
    ResourceRule(signatures.RULE, signatures.DESCRIPTION, "critical",
                 signatures.check_signatures, signatures.DEFAULTS, _WORKLOADS),
    ResourceRule(pod_security.RULE, pod_security.DESCRIPTION, "high",
                 pod_security.check_pod_security, pod_security.DEFAULTS, _WORKLOADS),
    ResourceRule(plaintext_secrets.ENV_RULE, plaintext_secrets.ENV_DESCRIPTION, "critical",
                 plaintext_secrets.check_env_secrets, plaintext_secrets.DEFAULTS, _WORKLOADS),
    ResourceRule(plaintext_secrets.CONFIGMAP_RULE, plaintext_secrets.CONFIGMAP_DESCRIPTION,
                 "critical", plaintext_secrets.check_configmap_secrets,
                 plaintext_secrets.DEFAULTS, frozenset({CONFIGMAP_TYPE})),
    ResourceRule(service_exposure.RULE, service_exposure.DESCRIPTION, "high",
                 service_exposure.check_service_exposure, service_exposure.DEFAULTS,
                 frozenset({SERVICE_TYPE})),
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
    StackRule(freeze.RULE, freeze.DESCRIPTION, "high",
              lambda rs, cfg: freeze.check_freeze(rs, cfg, os.environ.get("PULUMI_STACK")),
              freeze.DEFAULTS),
    StackRule(prod.REPLICAS_RULE, prod.REPLICAS_DESCRIPTION, "high",
              prod.check_prod_replicas, prod.REPLICAS_DEFAULTS),
    StackRule(prod.SPREAD_RULE, prod.SPREAD_DESCRIPTION, "medium",
              prod.check_prod_zone_spread, prod.SPREAD_DEFAULTS),
]

RULE_NAMES: Final = frozenset(
    [r.name for r in RESOURCE_RULES] + [r.name for r in STACK_RULES] + [exemptions.RULE]
)

RESOURCE_RULES.append(
    ResourceRule(exemptions.RULE, exemptions.DESCRIPTION, "medium",
                 partial(exemptions.check_exemptions, known_rules=RULE_NAMES),
                 exemptions.DEFAULTS)
)


def report(rule: str, out: Violations, report_violation: ReportViolation) -> None:
    """Report each message; then, if a value was unknown, tell the engine it is checked later."""
    for index, message in enumerate(out):
        report_violation(message, out.urn(index))
    if out.unknown:
        error = UnknownValueError(UNKNOWN_OBJECT_VALUE, [])
        error.message = (
            f"{', '.join(out.unknown)} unknown until update; {rule} checks "
            f"{'them' if len(out.unknown) > 1 else 'it'} then"
        )
        raise error


def resource_props(args: ResourceValidationArgs) -> dict[str, Any]:
    props = plain(args.props)
    props = props if isinstance(props, dict) else {}
    if "kind" not in props and args.resource_type.startswith("kubernetes:"):
        props["kind"] = args.resource_type.rsplit(":", 1)[-1]
    return props


def validate_resource(
    rule: ResourceRule, args: ResourceValidationArgs, report_violation: ReportViolation,
    today: date | None = None,
) -> None:
    if rule.types is None:
        if not args.resource_type.startswith("kubernetes:"):
            return
    elif args.resource_type not in rule.types:
        return
    props = resource_props(args)
    if rule.name != exemptions.RULE and exemptions.is_exempt(props, rule.name, today):
        return
    try:
        out = rule.check(props, plain(args.get_config()))
    except ConfigError as error:
        report_violation(str(error), None)
        return
    report(rule.name, out, report_violation)


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
