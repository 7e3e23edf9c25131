"""Cluster: an EKS cluster the services run on, and a Kubernetes provider for it.

Creates, all parented to the component: a KMS key (rotation on) for secrets envelope
encryption, the control-plane log group, the cluster role, the EKS cluster (private endpoint,
public only when asked and never open to the world by accident, every control-plane log type),
a node role with only the AWS managed policies nodes need, managed node groups in the private
subnets, the OIDC provider for IAM roles for service accounts, access entries for admins, and
`provider`: a `pulumi_kubernetes.Provider` for everything deployed into the cluster.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from . import iam_policies

TYPE_TOKEN = "slipway:platform:Cluster"
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
WORLD = ("0.0.0.0/0", "::/0")


@dataclass(frozen=True)
class NodeGroupSpec:
    """One managed node group."""

    name: str
    """Node group name, unique in the cluster."""
    instance_type: str
    """EC2 instance type, e.g. m6i.large."""
    min_size: int
    """Fewest nodes."""
    max_size: int
    """Most nodes (at least 1)."""
    desired_size: int
    """Nodes to start with (min_size <= desired_size <= max_size)."""
    capacity_type: Literal["ON_DEMAND", "SPOT"] = "ON_DEMAND"
    """ON_DEMAND (default) or SPOT (cheaper, may be reclaimed with two minutes' notice)."""
    disk_size_gib: int = 50
    """Root volume size. Default 50 GiB."""


@dataclass(frozen=True)
class ClusterArgs:
    """The cluster; `name`, `region`, `subnet_ids` and `node_groups` are required."""

    name: str
    """EKS cluster name (also the `kubernetes.io/cluster/<name>` subnet tag)."""
    region: str
    """AWS region: the kubeconfig's token command asks STS there."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets for the control plane's network interfaces and the nodes."""
    node_groups: Sequence[NodeGroupSpec]
    """Managed node groups; at least one."""
    version: str = "1.33"
    """Kubernetes version. Default 1.33."""
    endpoint_public: bool = False
    """Also expose a public API endpoint. Default False: private only (reach it from the VPC
    or a VPN)."""
    public_access_cidrs: Sequence[str] = ()
    """Networks allowed to reach the public endpoint; required when endpoint_public."""
    allow_world: bool = False
    """Permit 0.0.0.0/0 in public_access_cidrs. Default False: refused."""
    service_cidr: str = "172.20.0.0/16"
    """Kubernetes Service address block; must not overlap the VPC. Default 172.20.0.0/16."""
    admin_principals: Sequence[str] = ()
    """IAM role or user ARNs that get cluster-admin through access entries. Default none: the
    creator gets no implicit admin either (access is always explicit)."""
    log_retention_days: int = 90
    """Retention of the control-plane log group. Default 90 days."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on every resource. Default none."""


def _check(args: ClusterArgs) -> None:
    if not args.node_groups:
        raise ValueError(f"{args.name}: node_groups: at least one node group is required")
    for group in args.node_groups:
        if not group.min_size <= group.desired_size <= group.max_size or group.max_size < 1:
            raise ValueError(
                f"{args.name}: node group {group.name}: sizes must satisfy min <= desired <= "
                f"max and max >= 1 (got {group.min_size}, {group.desired_size}, "
                f"{group.max_size})")
    if args.endpoint_public and not args.public_access_cidrs:
        raise ValueError(f"{args.name}: endpoint_public needs public_access_cidrs (the "
                         "networks allowed to reach the API)")
    if not args.endpoint_public and args.public_access_cidrs:
        raise ValueError(f"{args.name}: public_access_cidrs given but endpoint_public is False")
    for cidr in args.public_access_cidrs:
        if (cidr in WORLD or ipaddress.ip_network(cidr).prefixlen == 0) and not args.allow_world:
            raise ValueError(
                f"{args.name}: public_access_cidrs: {cidr} opens the Kubernetes API to the whole "
                "internet; list your networks or set allow_world=True")


def kubeconfig(name: str, endpoint: str, ca_data: str, region: str) -> dict[str, Any]:
    """A kubeconfig that gets a short-lived token from `aws eks get-token` on each use:
    no long-lived credential is stored in state."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {
            "server": endpoint, "certificate-authority-data": ca_data}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
        "current-context": name,
        "users": [{"name": name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", name, "--region", region,
                     "--output", "json"],
        }}}],
    }


def _field(value: Any, key: str) -> Any:
    """A nested output field: the SDK hands some as typed objects, some as plain dicts."""
    return value[key] if isinstance(value, dict) else getattr(value, key)


class Cluster(pulumi.ComponentResource):
    """EKS with encryption, logging, managed node groups, IRSA and explicit admin access."""

    name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]
    provider: k8s.Provider

    def __init__(self, name: str, args: ClusterArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        _check(args)
        super().__init__(TYPE_TOKEN, name, None, opts)
        self._name, self._args = name, args

        key = aws.kms.Key(
            f"{name}-secrets", description=f"EKS {args.name}: envelope encryption of Secrets",
            enable_key_rotation=True, deletion_window_in_days=30, tags=self._tags(),
            opts=self._opts(),
        )
        aws.kms.Alias(f"{name}-secrets", name=f"alias/eks/{args.name}", target_key_id=key.key_id,
                      opts=self._opts())
        # Created here, with a retention, before EKS would create it without one.
        logs = aws.cloudwatch.LogGroup(
            f"{name}-control-plane", name=f"/aws/eks/{args.name}/cluster",
            retention_in_days=args.log_retention_days, tags=self._tags(), opts=self._opts(),
        )
        cluster_role, cluster_attachments = self._role("cluster", "eks.amazonaws.com",
                                                       iam_policies.CLUSTER_POLICIES)
        cluster = aws.eks.Cluster(
            f"{name}-eks",
            name=args.name,
            version=args.version,
            role_arn=cluster_role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=list(args.subnet_ids),
                endpoint_private_access=True,
                endpoint_public_access=args.endpoint_public,
                public_access_cidrs=list(args.public_access_cidrs) if args.endpoint_public
                else None,
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=key.arn),
                resources=["secrets"],
            ),
            enabled_cluster_log_types=list(LOG_TYPES),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=False,
            ),
            kubernetes_network_config=aws.eks.ClusterKubernetesNetworkConfigArgs(
                service_ipv4_cidr=args.service_cidr),
            tags=self._tags(),
            opts=self._opts(depends_on=[logs, *cluster_attachments]),
        )
        self.name = cluster.name
        self.endpoint = cluster.endpoint
        self.kms_key_arn = key.arn
        self.oidc_issuer = cluster.identities.apply(
            lambda ids: str(_field(_field(ids[0], "oidcs")[0], "issuer")))
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc", url=self.oidc_issuer, client_id_lists=[iam_policies.STS_AUDIENCE],
            tags=self._tags(), opts=self._opts(),
        )
        self.oidc_provider_arn = oidc.arn

        node_role, node_attachments = self._role("node", "ec2.amazonaws.com",
                                                 iam_policies.NODE_POLICIES)
        self.node_role_arn = node_role.arn
        self._node_groups(cluster, node_role, node_attachments)
        self._admins(cluster)

        self.provider = k8s.Provider(
            f"{name}-kubernetes",
            kubeconfig=pulumi.Output.all(cluster.name, cluster.endpoint,
                                         cluster.certificate_authority).apply(
                lambda v: json.dumps(
                    kubeconfig(v[0], v[1], str(_field(v[2], "data")), args.region))),
            enable_server_side_apply=True,
            opts=self._opts(),
        )
        self.register_outputs({
            "name": self.name,
            "endpoint": self.endpoint,
            "oidcIssuer": self.oidc_issuer,
            "oidcProviderArn": self.oidc_provider_arn,
            "kmsKeyArn": self.kms_key_arn,
            "nodeRoleArn": self.node_role_arn,
        })

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _tags(self) -> dict[str, str]:
        return {**self._args.tags, "slipway.dev/cluster": self._args.name}

    def _role(self, kind: str, service: str, policies: Sequence[str],
              ) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
        role = aws.iam.Role(
            f"{self._name}-{kind}",
            assume_role_policy=json.dumps(iam_policies.service_trust(service)),
            tags=self._tags(), opts=self._opts(),
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{self._name}-{kind}-{policy}", role=role.name,
                policy_arn=iam_policies.managed_policy_arn(policy), opts=self._opts(),
            )
            for policy in policies
        ]
        return role, attachments

    def _node_groups(self, cluster: aws.eks.Cluster, role: aws.iam.Role,
                     attachments: Sequence[pulumi.Resource]) -> None:
        # Nodes join only once their role can: wait for the policy attachments.
        for group in self._args.node_groups:
            capacity = "spot" if group.capacity_type == "SPOT" else "on-demand"
            aws.eks.NodeGroup(
                f"{self._name}-{group.name}",
                cluster_name=cluster.name,
                node_group_name=group.name,
                node_role_arn=role.arn,
                subnet_ids=list(self._args.subnet_ids),
                instance_types=[group.instance_type],
                capacity_type=group.capacity_type,
                disk_size=group.disk_size_gib,
                scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                    min_size=group.min_size, max_size=group.max_size,
                    desired_size=group.desired_size),
                update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
                labels={"slipway.dev/capacity": capacity},
                tags=self._tags(),
                # The autoscaler owns desired size once running; Pulumi must not reset it.
                opts=self._opts(depends_on=list(attachments),
                                ignore_changes=["scalingConfig.desiredSize"]),
            )

    def _admins(self, cluster: aws.eks.Cluster) -> None:
        for index, principal in enumerate(self._args.admin_principals):
            entry = aws.eks.AccessEntry(
                f"{self._name}-admin-{index}", cluster_name=cluster.name,
                principal_arn=principal, type="STANDARD", tags=self._tags(), opts=self._opts(),
            )
            aws.eks.AccessPolicyAssociation(
                f"{self._name}-admin-{index}", cluster_name=cluster.name,
                principal_arn=principal, policy_arn=iam_policies.CLUSTER_ADMIN_POLICY,
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=self._opts(depends_on=[entry]),
            )
