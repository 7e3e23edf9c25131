"""Platform: the AWS side of prod, composed.

Network (VPC) -> Cluster (EKS in its private subnets) -> per-service IAM roles (IRSA on the
cluster's OIDC provider) and, when a key prefix is given, Secrets Manager secrets with the
External Secrets Operator's read role. `cluster.provider` deploys everything Kubernetes-side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pulumi

from .cluster import Cluster, ClusterArgs, NodeGroupSpec
from .network import Network, NetworkArgs
from .secrets import SecretsStore, SecretsStoreArgs
from .service_roles import ServiceRole, ServiceRoleArgs, ServiceRolePlan

TYPE_TOKEN = "slipway:platform:Platform"


@dataclass(frozen=True)
class PlatformArgs:
    """Everything the AWS platform needs; `region`, `zones`, `cluster_name` and `node_groups`
    are required, the rest has production defaults."""

    region: str
    """AWS region, e.g. eu-west-1."""
    zones: Sequence[str]
    """Exactly three availability zones (`network.availability_zones` finds them)."""
    cluster_name: str
    """EKS cluster name."""
    node_groups: Sequence[NodeGroupSpec]
    """Managed node groups; at least one."""
    # The network and cluster defaults are declared (and documented) once, in NetworkArgs and
    # ClusterArgs; these fields take them over.
    vpc_cidr: str = NetworkArgs.cidr
    """VPC block, /16 to /20. Default: NetworkArgs.cidr."""
    nat: Literal["per-zone", "single"] = NetworkArgs.nat
    """NAT gateway per zone or one shared. Default: NetworkArgs.nat."""
    cluster_version: str = ClusterArgs.version
    """Kubernetes version. Default: ClusterArgs.version."""
    endpoint_public: bool = ClusterArgs.endpoint_public
    """Public API endpoint as well as the private one. Default: ClusterArgs.endpoint_public."""
    public_access_cidrs: Sequence[str] = ClusterArgs.public_access_cidrs
    """Networks allowed to the public endpoint; required when endpoint_public."""
    allow_world: bool = ClusterArgs.allow_world
    """Permit 0.0.0.0/0 for the public endpoint. Default: ClusterArgs.allow_world."""
    service_cidr: str = ClusterArgs.service_cidr
    """Kubernetes Service block. Default: ClusterArgs.service_cidr."""
    admin_principals: Sequence[str] = ClusterArgs.admin_principals
    """IAM ARNs with cluster-admin access entries. Default: ClusterArgs.admin_principals."""
    flow_logs: Literal["cloudwatch", "s3"] = NetworkArgs.flow_logs
    """VPC flow log destination. Default: NetworkArgs.flow_logs."""
    flow_log_retention_days: int = NetworkArgs.flow_log_retention_days
    """CloudWatch retention for flow logs. Default: NetworkArgs.flow_log_retention_days."""
    flow_log_bucket_arn: str | None = None
    """S3 bucket when flow_logs is s3."""
    service_roles: Mapping[str, ServiceRolePlan] = field(default_factory=dict)
    """IAM roles to create, by service (`service_roles.plan_service_roles`). Default none."""
    secret_key_prefix: str | None = None
    """Create Secrets Manager secrets `<prefix>/<service>` and the External Secrets Operator
    role. Default None: no secrets store."""
    secret_services: Sequence[str] = ()
    """Services that declare secrets (one secret each); used with secret_key_prefix."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on every AWS resource. Default none."""


class Platform(pulumi.ComponentResource):
    """VPC + EKS + IRSA roles + secrets: what the prod services run on."""

    network: Network
    cluster: Cluster
    role_arns: dict[str, pulumi.Output[str]]
    secrets_operator_role_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: PlatformArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = {**args.tags, "slipway.dev/platform": name}
        self.network = Network(f"{name}-network", NetworkArgs(
            region=args.region, zones=args.zones, cluster_name=args.cluster_name,
            cidr=args.vpc_cidr, nat=args.nat, flow_logs=args.flow_logs,
            flow_log_retention_days=args.flow_log_retention_days,
            flow_log_bucket_arn=args.flow_log_bucket_arn, tags=tags,
        ), opts=child)
        self.cluster = Cluster(f"{name}-cluster", ClusterArgs(
            name=args.cluster_name, region=args.region,
            subnet_ids=self.network.private_subnet_ids, node_groups=args.node_groups,
            version=args.cluster_version, endpoint_public=args.endpoint_public,
            public_access_cidrs=args.public_access_cidrs, allow_world=args.allow_world,
            service_cidr=args.service_cidr, admin_principals=args.admin_principals, tags=tags,
        ), opts=child)
        self.role_arns = {
            service: ServiceRole(f"{name}-{service}", ServiceRoleArgs(
                plan=plan, oidc_provider_arn=self.cluster.oidc_provider_arn,
                oidc_issuer=self.cluster.oidc_issuer, tags=tags,
            ), opts=child).arn
            for service, plan in sorted(args.service_roles.items())
        }
        self.secrets_operator_role_arn = None
        if args.secret_key_prefix is not None:
            store = SecretsStore(f"{name}-secrets", SecretsStoreArgs(
                region=args.region, key_prefix=args.secret_key_prefix,
                services=args.secret_services,
                oidc_provider_arn=self.cluster.oidc_provider_arn,
                oidc_issuer=self.cluster.oidc_issuer, tags=tags,
            ), opts=child)
            self.secrets_operator_role_arn = store.operator_role_arn
        self.register_outputs({
            "vpcId": self.network.vpc_id,
            "clusterName": self.cluster.name,
            "clusterEndpoint": self.cluster.endpoint,
            "oidcProviderArn": self.cluster.oidc_provider_arn,
            "serviceRoleArns": self.role_arns,
            "externalSecretsRoleArn": self.secrets_operator_role_arn,
        })


def platform_outputs(platform: Platform) -> dict[str, object]:
    """What the program exports: IDs and ARNs other tools (and the cluster add-ons) need."""
    return {
        "vpcId": platform.network.vpc_id,
        "subnets": {plan.key: plan.cidr for plan in platform.network.plan},
        "clusterName": platform.cluster.name,
        "clusterEndpoint": platform.cluster.endpoint,
        "oidcProviderArn": platform.cluster.oidc_provider_arn,
        "serviceRoleArns": platform.role_arns,
        "externalSecretsRoleArn": platform.secrets_operator_role_arn,
    }
