"""Small builders shared by the Microservice tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from mocking import Registered, Registry, run_under_mocks
from slipway import Environment, Microservice, MicroserviceArgs, Peer, SecretStoreRef, ServiceSpec
from slipway.release_state import ReleaseState
from slipway.spec.loader import merge

DIGEST = "a" * 64
IMAGE = f"registry.example.com/team/api@sha256:{DIGEST}"

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SERVICE = "kubernetes:core/v1:Service"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SECRET = "kubernetes:core/v1:Secret"
EXTERNAL_SECRET = "kubernetes:external-secrets.io/v1:ExternalSecret"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
JOB = "kubernetes:batch/v1:Job"
COMPONENT = "slipway:index:Microservice"


def spec(**fields: Any) -> ServiceSpec:
    """A valid minimal spec named `api`, with `fields` merged over it (camelCase keys)."""
    base: dict[str, Any] = {"name": "api", "image": IMAGE, "version": "1.2.3"}
    return ServiceSpec.model_validate(merge(base, fields))


def render(service: ServiceSpec, *, environment: Environment | None = None,
           callers: Sequence[str] = (), calls: Sequence[Peer] = (),
           secret_values: Mapping[str, str] | None = None,
           secret_store: SecretStoreRef | None = None,
           release: ReleaseState | None = None) -> Registry:
    """Create one Microservice under mocks and return what it registered."""
    # Monitoring children are tested in test_service_monitoring.py; keep the workload set here.
    env = environment or Environment(name="dev", namespace="apps", observability=False)

    def program() -> None:
        Microservice(service.name, MicroserviceArgs(
            spec=service,
            environment=env,
            namespace=env.namespace,
            callers=callers,
            calls=calls,
            secret_values={k: pulumi.Output.from_input(v) for k, v in
                           (secret_values or {}).items()},
            secret_store=secret_store,
            release=release,
        ))

    return run_under_mocks(program)


def container(deployment: Registered) -> dict[str, Any]:
    containers = deployment.spec["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def pod(deployment: Registered) -> dict[str, Any]:
    return dict(deployment.spec["template"]["spec"])
