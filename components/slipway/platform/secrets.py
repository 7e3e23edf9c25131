"""Secrets in AWS Secrets Manager, and the role External Secrets Operator reads them with.

One secret per service that declares `secrets`, named `<key_prefix>/<service>` (the key the
Microservice's ExternalSecret reads, one JSON property per secret name), encrypted with a KMS
key of its own. Pulumi creates the secrets empty: operators put the values in with
`aws secretsmanager put-secret-value --secret-id <key_prefix>/<service> --secret-string
'{"NAME": "..."}'`, so no value ever passes through Pulumi state. The operator's role may read
(GetSecretValue, DescribeSecret) only ARNs under `<key_prefix>/`, and decrypt with that key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from . import iam_policies

TYPE_TOKEN = "slipway:platform:SecretsStore"
ESO_NAMESPACE = "external-secrets"
ESO_SERVICE_ACCOUNT = "external-secrets"


def secret_name(key_prefix: str, service: str) -> str:
    return f"{key_prefix}/{service}"


def secret_arn_pattern(partition: str, region: str, account: str, key_prefix: str) -> str:
    """Every secret under the prefix (Secrets Manager appends a random suffix to names)."""
    return f"arn:{partition}:secretsmanager:{region}:{account}:secret:{key_prefix}/*"


@dataclass(frozen=True)
class SecretsStoreArgs:
    """Where secrets live; `region`, `key_prefix`, `services` and the OIDC pair are required."""

    region: str
    """AWS region of the secrets."""
    key_prefix: str
    """Secret names are `<key_prefix>/<service>`; must match the ExternalSecrets' store."""
    services: Sequence[str]
    """Services that declare secrets: one Secrets Manager secret each."""
    oidc_provider_arn: pulumi.Input[str]
    """The cluster's IAM OIDC provider (for the operator's role)."""
    oidc_issuer: pulumi.Input[str]
    """The cluster's OIDC issuer URL."""
    operator_namespace: str = ESO_NAMESPACE
    """Namespace of External Secrets Operator. Default external-secrets."""
    operator_service_account: str = ESO_SERVICE_ACCOUNT
    """ServiceAccount the operator runs as. Default external-secrets."""
    recovery_window_days: int = 30
    """Days a deleted secret can still be restored. Default 30."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on every resource. Default none."""


class SecretsStore(pulumi.ComponentResource):
    """Secrets Manager secrets per service, their KMS key, and the operator's read role."""

    operator_role_arn: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]
    secret_arns: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: SecretsStoreArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        if not args.key_prefix or args.key_prefix.endswith("/") or "*" in args.key_prefix:
            raise ValueError(f"key_prefix must be a path such as slipway/prod (got "
                             f"{args.key_prefix!r})")
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        key = aws.kms.Key(
            f"{name}-key", description=f"Secrets Manager secrets under {args.key_prefix}/",
            enable_key_rotation=True, deletion_window_in_days=30, tags=tags, opts=child,
        )
        self.kms_key_arn = key.arn
        self.secret_arns = {
            service: aws.secretsmanager.Secret(
                f"{name}-{service}",
                name=secret_name(args.key_prefix, service),
                description=f"Secret values of {service}: one JSON property per name in its "
                            "spec's secrets; set by operators, never by Pulumi",
                kms_key_id=key.arn,
                recovery_window_in_days=args.recovery_window_days,
                tags={**tags, "slipway.dev/service": service},
                opts=child,
            ).arn
            for service in sorted(args.services)
        }

        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        pattern = pulumi.Output.all(partition.partition, identity.account_id).apply(
            lambda v: secret_arn_pattern(v[0], args.region, v[1], args.key_prefix))
        role = aws.iam.Role(
            f"{name}-operator",
            description="External Secrets Operator: read slipway secrets",
            assume_role_policy=pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer).apply(
                lambda v: json.dumps(iam_policies.irsa_trust(
                    v[0], v[1], args.operator_namespace, args.operator_service_account))),
            tags=tags, opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-operator-read", role=role.id,
            policy=pattern.apply(lambda arn: json.dumps(iam_policies.secrets_reader(arn))),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-operator-decrypt", role=role.id,
            policy=key.arn.apply(lambda arn: json.dumps(iam_policies.kms_decrypt(arn))),
            opts=child,
        )
        self.operator_role_arn = role.arn
        self.register_outputs({
            "operatorRoleArn": self.operator_role_arn,
            "kmsKeyArn": self.kms_key_arn,
            "secretArns": self.secret_arns,
        })
