"""IAM policy documents as plain dicts: trust policies and least-privilege permissions.

Pure builders so tests (and the cross-layer checks) read exactly what a role will carry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

VERSION = "2012-10-17"
STS_AUDIENCE = "sts.amazonaws.com"
# AWS managed policies an EKS managed node needs: join the cluster, run the VPC CNI (which
# assigns pod IPs from the VPC), pull images from ECR. Nothing else.
NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
)
CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


def managed_policy_arn(name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::aws:policy/{name}"


def service_trust(service: str) -> dict[str, Any]:
    """Trust policy letting one AWS service (e.g. eks.amazonaws.com) assume the role."""
    return {
        "Version": VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
        }],
    }


def flow_log_trust(partition: str, region: str, account: str) -> dict[str, Any]:
    """Trust policy for the flow-log delivery role: the VPC flow log service may assume it only
    on behalf of flow logs of this account in this region (`aws:SourceAccount`,
    `aws:SourceArn`), so no other account's flow logs can use it (confused deputy)."""
    policy = service_trust("vpc-flow-logs.amazonaws.com")
    policy["Statement"][0]["Condition"] = {
        "StringEquals": {"aws:SourceAccount": account},
        "ArnLike": {"aws:SourceArn": f"arn:{partition}:ec2:{region}:{account}:vpc-flow-log/*"},
    }
    return policy


def service_account_subject(namespace: str, service_account: str) -> str:
    return f"system:serviceaccount:{namespace}:{service_account}"


def irsa_trust(oidc_provider_arn: str, issuer: str, namespace: str,
               service_account: str) -> dict[str, Any]:
    """Trust policy for IAM roles for service accounts: only this ServiceAccount's tokens,
    issued by this cluster for STS, may assume the role."""
    host = issuer.removeprefix("https://")
    return {
        "Version": VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                f"{host}:sub": service_account_subject(namespace, service_account),
                f"{host}:aud": STS_AUDIENCE,
            }},
        }],
    }


def trusted_subjects(trust: dict[str, Any]) -> list[str]:
    """The ServiceAccount subjects a trust policy names (its `:sub` conditions)."""
    subjects = []
    for statement in trust.get("Statement", []):
        for key, value in statement.get("Condition", {}).get("StringEquals", {}).items():
            if key.endswith(":sub"):
                subjects.append(value)
    return subjects


def allow(statements: Sequence[tuple[Sequence[str], Sequence[str]]]) -> dict[str, Any]:
    """A permissions policy from (actions, resources) pairs."""
    return {
        "Version": VERSION,
        "Statement": [
            {"Effect": "Allow", "Action": sorted(actions), "Resource": list(resources)}
            for actions, resources in statements
        ],
    }


def flow_log_delivery(log_group_arn: str) -> dict[str, Any]:
    """What the VPC flow log service needs to write into one log group."""
    return allow([(
        ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        [log_group_arn, f"{log_group_arn}:*"],
    )])


def secrets_reader(secret_arn_pattern: str) -> dict[str, Any]:
    """Read (never write or list) the secrets under one prefix."""
    return allow([(
        ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        [secret_arn_pattern],
    )])


def kms_decrypt(key_arn: str) -> dict[str, Any]:
    """Decrypt with one key (to read secrets encrypted with it)."""
    return allow([(["kms:Decrypt"], [key_arn])])
