"""The platform services run on.

AWS side (prod): VPC, EKS, IAM roles for service accounts, Secrets Manager, composed by
`Platform`. Kubernetes side (any cluster, or rendered): mesh, gateway, observability, External
Secrets, composed by `KubernetesPlatform`.
Components take typed Args and never read Pulumi config; the program layer (`slipway.stack`)
turns stack settings into these Args and runs the cross-layer checks.
"""

from .cluster import Cluster, ClusterArgs, NodeGroupSpec
from .external_secrets import ExternalSecrets, ExternalSecretsArgs
from .gateway import Gateway, GatewayArgs, IssuerRef, PublicHost, public_hosts
from .kubernetes_platform import KubernetesPlatform, KubernetesPlatformArgs
from .mesh import Mesh, MeshArgs
from .network import Network, NetworkArgs, availability_zones
from .observability import Observability, ObservabilityArgs
from .platform import Platform, PlatformArgs, platform_outputs
from .secrets import SecretsStore, SecretsStoreArgs
from .service_roles import ServiceRole, ServiceRoleArgs, ServiceRolePlan, plan_service_roles
from .subnets import SubnetPlan, check_subnets, plan_subnets, subnet_tags

__all__ = [
    "Cluster",
    "ClusterArgs",
    "ExternalSecrets",
    "ExternalSecretsArgs",
    "Gateway",
    "GatewayArgs",
    "IssuerRef",
    "KubernetesPlatform",
    "KubernetesPlatformArgs",
    "Mesh",
    "MeshArgs",
    "Network",
    "NetworkArgs",
    "NodeGroupSpec",
    "Observability",
    "ObservabilityArgs",
    "Platform",
    "PlatformArgs",
    "PublicHost",
    "SecretsStore",
    "SecretsStoreArgs",
    "ServiceRole",
    "ServiceRoleArgs",
    "ServiceRolePlan",
    "SubnetPlan",
    "availability_zones",
    "check_subnets",
    "plan_service_roles",
    "plan_subnets",
    "platform_outputs",
    "public_hosts",
    "subnet_tags",
]
