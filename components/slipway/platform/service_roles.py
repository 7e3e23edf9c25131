"""Per-service IAM roles (IRSA): least privilege from the spec's `aws.permissions`.

A service that declares no permissions gets no role at all. A role trusts exactly one
ServiceAccount (`system:serviceaccount:<namespace>:<name>`) on one cluster's OIDC issuer, for
the `sts.amazonaws.com` audience; its only permissions are the statements the spec lists.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from ..spec.catalog import Catalog
from . import iam_policies

TYPE_TOKEN = "slipway:platform:ServiceRole"


@dataclass(frozen=True)
class ServiceRolePlan:
    """What one service's role will be: whom it trusts and what it allows."""

    service: str
    namespace: str
    service_account: str
    statements: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]

    def trust(self, oidc_provider_arn: str, issuer: str) -> dict[str, object]:
        return iam_policies.irsa_trust(oidc_provider_arn, issuer, self.namespace,
                                       self.service_account)

    def permissions(self) -> dict[str, object]:
        return iam_policies.allow(self.statements)


def service_account_name(service: str) -> str:
    """The ServiceAccount a Microservice runs as: named after the service (microservice.py,
    `_service_account`)."""
    return service


def plan_service_roles(catalog: Catalog, namespace: str) -> dict[str, ServiceRolePlan]:
    """One plan per service that declares AWS permissions, by service name."""
    return {
        spec.name: ServiceRolePlan(
            service=spec.name,
            namespace=namespace,
            service_account=service_account_name(spec.name),
            statements=tuple((tuple(p.actions), tuple(p.resources))
                             for p in spec.aws.permissions),
        )
        for spec in catalog if spec.aws.permissions
    }


@dataclass(frozen=True)
class ServiceRoleArgs:
    """One service's IAM role; every field is required except `tags`."""

    plan: ServiceRolePlan
    """Trusted ServiceAccount and allowed statements (`plan_service_roles`)."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider."""
    oidc_issuer: pulumi.Input[str]
    """The cluster's OIDC issuer URL (https://oidc.eks...)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on the role. Default none."""


class ServiceRole(pulumi.ComponentResource):
    """An IAM role one service's pods assume through their ServiceAccount token."""

    arn: pulumi.Output[str]

    def __init__(self, name: str, args: ServiceRoleArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        plan = args.plan
        if not plan.statements:
            raise ValueError(f"{plan.service}: aws.permissions: a role needs at least one "
                             "statement; a service without AWS access gets no role")
        super().__init__(TYPE_TOKEN, name, None, opts)
        role = aws.iam.Role(
            f"{name}-role",
            description=f"slipway service {plan.service} "
                        f"({plan.namespace}/{plan.service_account})",
            assume_role_policy=pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer).apply(
                lambda v: json.dumps(plan.trust(v[0], v[1]))),
            max_session_duration=3600,
            tags={**args.tags, "slipway.dev/service": plan.service},
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-policy", role=role.id, policy=json.dumps(plan.permissions()),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = role.arn
        self.register_outputs({"arn": self.arn, "serviceAccount": plan.service_account})

