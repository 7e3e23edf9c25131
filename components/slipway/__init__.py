"""Slipway: ship microservices to Kubernetes with Pulumi, hardened by default.

The published library: components with typed arguments and documented defaults. Nothing here
reads Pulumi config; the program (or your own) builds the arguments and passes them in.
"""

from ._version import __version__ as __version__
from .catalog_deployment import deploy_catalog
from .environment import Environment, PeerSelector, SecretStoreRef
from .microservice import Microservice, MicroserviceArgs
from .namespace import ServiceNamespace, ServiceNamespaceArgs
from .network_policy import Peer
from .release_state import ReleaseRef, ReleaseState
from .spec import Catalog, ServiceSpec, SpecError, load_catalog, load_file

__all__ = [
    "Catalog",
    "Environment",
    "Microservice",
    "MicroserviceArgs",
    "Peer",
    "PeerSelector",
    "ReleaseRef",
    "ReleaseState",
    "SecretStoreRef",
    "ServiceNamespace",
    "ServiceNamespaceArgs",
    "ServiceSpec",
    "SpecError",
    "deploy_catalog",
    "load_catalog",
    "load_file",
]
