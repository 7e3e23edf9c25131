"""The platform services run on. Kubernetes side: mesh, gateway, observability, secrets."""

from .external_secrets import ExternalSecrets, ExternalSecretsArgs
from .gateway import Gateway, GatewayArgs, IssuerRef, PublicHost, public_hosts
from .kubernetes_platform import KubernetesPlatform, KubernetesPlatformArgs
from .kubernetes_settings import PlatformSettings
from .mesh import Mesh, MeshArgs
from .observability import Observability, ObservabilityArgs

__all__ = [
    "ExternalSecrets",
    "ExternalSecretsArgs",
    "Gateway",
    "GatewayArgs",
    "IssuerRef",
    "KubernetesPlatform",
    "KubernetesPlatformArgs",
    "Mesh",
    "MeshArgs",
    "Observability",
    "ObservabilityArgs",
    "PlatformSettings",
    "PublicHost",
    "public_hosts",
]
