"""The platform services run on.

AWS side (prod): VPC, EKS, IAM roles for service accounts, Secrets Manager; `build_platform`
turns validated `AwsSettings` into a checked `Platform`. Kubernetes side (any cluster, or
rendered): mesh, gateway, observability, External Secrets, composed by `KubernetesPlatform`.
Components take typed Args and never read Pulumi config.
"""

from .aws_settings import AwsSettings, EndpointSettings, FlowLogSettings, NodeGroupSettings
from .capacity import CapacityReport, NodePool, capacity_report, check_capacity
from .checks import check_platform, check_public_subnets, check_role_trust
from .cluster import Cluster, ClusterArgs, NodeGroupSpec
from .external_secrets import ExternalSecrets, ExternalSecretsArgs
from .gateway import Gateway, GatewayArgs, IssuerRef, PublicHost, public_hosts
from .kubernetes_platform import KubernetesPlatform, KubernetesPlatformArgs
from .kubernetes_settings import PlatformSettings
from .mesh import Mesh, MeshArgs
from .network import Network, NetworkArgs, availability_zones
from .observability import Observability, ObservabilityArgs
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
    "ExternalSecrets",
    "ExternalSecretsArgs",
    "FlowLogSettings",
    "Gateway",
    "GatewayArgs",
    "IssuerRef",
    "KubernetesPlatform",
    "KubernetesPlatformArgs",
    "Mesh",
    "MeshArgs",
    "Network",
    "NetworkArgs",
    "NodeGroupSettings",
    "NodeGroupSpec",
    "NodePool",
    "Observability",
    "ObservabilityArgs",
    "Platform",
    "PlatformArgs",
    "PlatformSettings",
    "PublicHost",
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
    "public_hosts",
    "subnet_tags",
]
