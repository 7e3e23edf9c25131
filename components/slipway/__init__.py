"""Slipway: ship microservices to Kubernetes with Pulumi, hardened by default.

The published library: components with typed arguments and documented defaults. Nothing here
reads Pulumi config; the program (or your own) builds the arguments and passes them in.

The names below load on first use (PEP 562): importing one submodule (`slipway.stack.own_outputs`
in the program's first line) does not build every spec model first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import module_getattr
from ._version import __version__ as __version__

if TYPE_CHECKING:
    from .catalog_deployment import deploy_catalog
    from .environment import Environment, PeerSelector, SecretStoreRef
    from .microservice import Microservice, MicroserviceArgs
    from .namespace import ServiceNamespace, ServiceNamespaceArgs
    from .network_policy import Peer
    from .release_state import ReleaseRef, ReleaseState
    from .spec import Catalog, ServiceSpec, SpecError, load_catalog, load_file

_HOMES = {
    "Catalog": ".spec",
    "Environment": ".environment",
    "Microservice": ".microservice",
    "MicroserviceArgs": ".microservice",
    "Peer": ".network_policy",
    "PeerSelector": ".environment",
    "ReleaseRef": ".release_state",
    "ReleaseState": ".release_state",
    "SecretStoreRef": ".environment",
    "ServiceNamespace": ".namespace",
    "ServiceNamespaceArgs": ".namespace",
    "ServiceSpec": ".spec",
    "SpecError": ".spec",
    "deploy_catalog": ".catalog_deployment",
    "load_catalog": ".spec",
    "load_file": ".spec",
}
"""Each public name and the submodule that defines it."""

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

__getattr__ = module_getattr(__name__, _HOMES)
