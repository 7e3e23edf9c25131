"""The AWS platform prod runs on: VPC, EKS, IAM roles for service accounts, Secrets Manager.

Components take typed Args and never read Pulumi config; `build_platform` turns validated
stack settings (`AwsSettings`) into a checked `Platform` for the program.
"""

from .aws_settings import AwsSettings, EndpointSettings, FlowLogSettings, NodeGroupSettings
from .capacity import CapacityReport, NodePool, capacity_report, check_capacity
from .checks import check_platform, check_public_subnets, check_role_trust
from .cluster import Cluster, ClusterArgs, NodeGroupSpec
from .network import Network, NetworkArgs, availability_zones
from .platform import Platform, PlatformArgs, platform_outputs
from .program import build_platform
from .secrets import SecretsStore, SecretsStoreArgs
from .service_roles import ServiceRole, ServiceRoleArgs, ServiceRolePlan, plan_service_roles
from .subnets import SubnetPlan, check_subnets, plan_subnets, subnet_tags

__all__ = [
    "AwsSettings",
    "CapacityReport",
    "Cluster",
    "ClusterArgs",
    "EndpointSettings",
    "FlowLogSettings",
    "Network",
    "NetworkArgs",
    "NodeGroupSettings",
    "NodeGroupSpec",
    "NodePool",
    "Platform",
    "PlatformArgs",
    "SecretsStore",
    "SecretsStoreArgs",
    "ServiceRole",
    "ServiceRoleArgs",
    "ServiceRolePlan",
    "SubnetPlan",
    "availability_zones",
    "build_platform",
    "capacity_report",
    "check_capacity",
    "check_platform",
    "check_public_subnets",
    "check_role_trust",
    "check_subnets",
    "plan_service_roles",
    "plan_subnets",
    "platform_outputs",
    "subnet_tags",
]
