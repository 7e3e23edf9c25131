"""The components' multi-language face: Microservice and ServiceNamespace with flat inputs.

Pulumi's source-based component packages infer a schema from the type annotations of the
hosted components (`pulumi.provider.experimental`), so a program in YAML, TypeScript or Go can
create them. The Python components take a pydantic ServiceSpec and dataclasses, which that
analyzer cannot read; these subclasses take one flat TypedDict each instead, build the same
arguments and call the same constructor, so the type tokens, child names and rendered
objects are exactly those of a Python program with the same inputs.

Deliberately not served (use Python for these): calls between services (NetworkPolicy
egress to callees needs their ports), secrets, release state (canary weight, blue-green slot),
migrations, mesh policy, egress, flags, custom scaling metrics and per-environment overrides.

No `from __future__ import annotations` here: the analyzer reads the annotations as objects.
"""

import re
from typing import Any, NotRequired, TypedDict

import pulumi

from . import microservice, namespace
from ._version import __version__
from .environment import Environment
from .spec.errors import SpecError
from .spec.loader import validate

PACKAGE = "slipway"


class MicroserviceInputs(TypedDict):
    """One service, flat. Left-out inputs take the service spec's documented defaults."""

    name: str
    """Service name: lowercase letters, digits and '-'; names every object."""
    image: str
    """Container image pinned by digest: registry/repository@sha256:<64 hex>."""
    version: str
    """Semantic version of the image, e.g. 1.4.2."""
    namespace: str
    """Namespace to create everything in (a ServiceNamespace's name)."""
    environment: NotRequired[str]
    """dev, prod or pr-<n>. Default dev."""
    team: NotRequired[str]
    """Owning team, set as a label. Left out: no team label."""
    port: NotRequired[int]
    """Container port, 1024-65535. Default 8080."""
    cpu: NotRequired[str]
    """CPU request, e.g. 200m. Default 100m."""
    memory: NotRequired[str]
    """Memory request, e.g. 256Mi. Default 128Mi."""
    cpu_limit: NotRequired[str]
    """CPU limit. Left out: no CPU limit (throttling hurts latency)."""
    memory_limit: NotRequired[str]
    """Memory limit. Left out: equal to the memory request."""
    readiness_path: NotRequired[str]
    """HTTP path of the readiness probe. Left out: a TCP check on the port."""
    liveness_path: NotRequired[str]
    """HTTP path of the liveness probe. Left out: a TCP check on the port."""
    startup_path: NotRequired[str]
    """HTTP path of the startup probe. Left out: a TCP check on the port."""
    min_replicas: NotRequired[int]
    """Minimum replicas. Default 2."""
    max_replicas: NotRequired[int]
    """Maximum replicas; equal to minReplicas: fixed replicas, no autoscaler. Default 4."""
    cpu_utilization: NotRequired[int]
    """Average CPU utilization (% of the request) the autoscaler aims for. Default 70."""
    strategy: NotRequired[str]
    """Release strategy: rolling, canary or blue-green. Default rolling."""
    public: NotRequired[bool]
    """Reachable from the ingress gateway through an HTTPRoute. Default False."""
    host: NotRequired[str]
    """Public host name, e.g. shop.example.com (public services only). Left out: any host."""
    path: NotRequired[str]
    """Public path prefix. Default /."""
    config: NotRequired[dict[str, str]]
    """Plain settings, put in a ConfigMap and read as environment variables. Left out: none."""


# Input name -> where it goes in the service spec document (the one contract with the spec).
SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "image": ("image",),
    "version": ("version",),
    "team": ("team",),
    "port": ("port",),
    "cpu": ("resources", "cpu"),
    "memory": ("resources", "memory"),
    "cpu_limit": ("resources", "limits", "cpu"),
    "memory_limit": ("resources", "limits", "memory"),
    "readiness_path": ("probes", "readiness"),
    "liveness_path": ("probes", "liveness"),
    "startup_path": ("probes", "startup"),
    "min_replicas": ("scaling", "min"),
    "max_replicas": ("scaling", "max"),
    "cpu_utilization": ("scaling", "cpu"),
    "strategy": ("release", "strategy"),
    "public": ("exposure", "public"),
    "host": ("exposure", "host"),
    "path": ("exposure", "path"),
    "config": ("config",),
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def spec_document(inputs: MicroserviceInputs) -> dict[str, Any]:
    """The service spec document the inputs describe; left-out inputs are left out."""
    document: dict[str, Any] = {}
    given: dict[str, Any] = dict(inputs)
    for key, path in SPEC_PATHS.items():
        if given.get(key) is None:
            continue
        node = document
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = given[key]
    return document


def _input_names(problems: list[str], source: str) -> list[str]:
    """Spec field paths in error lines, said in the input names the caller wrote."""
    by_path = {".".join(_camel(p) for p in path): _camel(key) for key, path in SPEC_PATHS.items()}
    prefix = re.escape(f"{source}: ")
    dotted = re.compile(r"\b(" + "|".join(re.escape(p) for p in by_path if "." in p) + r")\b")
    renamed = []
    for problem in problems:
        line = problem
        match = re.match(prefix + r"([\w.\[\]]+):", line)
        if match and match.group(1) in by_path:
            line = f"{source}: {by_path[match.group(1)]}:" + line[match.end():]
        head, _, rest = line.partition(": ")
        renamed.append(f"{head}: " + dotted.sub(lambda m: by_path[m.group(1)], rest))
    return renamed


def microservice_args(resource_name: str,
                      inputs: MicroserviceInputs) -> microservice.MicroserviceArgs:
    """The Python component's arguments for these inputs; bad inputs raise SpecError with one
    `slipway:index:Microservice <name>: <input>: what (got X); fix` line each."""
    unknown = sorted(set(inputs) - set(MicroserviceInputs.__annotations__))
    source = f"{microservice.TYPE_TOKEN} {resource_name}"
    if unknown:
        raise SpecError([f"{source}: {_camel(key)}: not an input of Microservice"
                         for key in unknown])
    environment_name = inputs.get("environment") or "dev"
    try:
        spec = validate(spec_document(inputs), source, environment=environment_name)
    except SpecError as err:
        raise SpecError(_input_names(err.problems, source)) from None
    environment = Environment(name=environment_name, namespace=inputs["namespace"])
    return microservice.MicroserviceArgs(spec=spec, environment=environment,
                                         namespace=inputs["namespace"])


class Microservice(microservice.Microservice):
    """A hardened Kubernetes workload for one service: Deployment(s), Service(s), autoscaler,
    disruption budget, NetworkPolicy, route and monitoring, from flat inputs."""

    deployment_name: pulumi.Output[str]
    """Name of the primary Deployment."""
    service_name: pulumi.Output[str]
    """Name of the Service that selects the primary workload."""
    namespace: pulumi.Output[str]
    """Namespace everything was created in."""
    url: pulumi.Output[str]
    """In-cluster URL of the service."""
    image: pulumi.Output[str]
    """Image of the primary workload."""
    version: pulumi.Output[str]
    """Version of the primary workload."""
    # Every annotation of the base is repeated here: the analyzer reads the whole MRO, and the
    # base's are strings (postponed annotations) it cannot resolve.
    release_status: dict[str, Any]
    """Strategy, stable and candidate versions, canary weight, live slot, workloads."""

    def __init__(self, name: str, args: MicroserviceInputs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, microservice_args(name, args), opts)


class ServiceNamespaceInputs(TypedDict):
    """The namespace an environment's services share."""

    name: str
    """Namespace name, e.g. payments-dev."""
    environment: str
    """Environment label value: dev, prod or pr-<n>."""
    pod_security: NotRequired[str]
    """Pod Security Admission profile enforced. Default restricted (the strictest)."""


class ServiceNamespace(namespace.ServiceNamespace):
    """A namespace with Pod Security Admission enforced and a default-deny NetworkPolicy."""

    name: pulumi.Output[str]
    """The namespace's name."""

    def __init__(self, name: str, args: ServiceNamespaceInputs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        given: dict[str, Any] = dict(args)
        super().__init__(name, namespace.ServiceNamespaceArgs(**given), opts)


COMPONENTS: list[type[pulumi.ComponentResource]] = [Microservice, ServiceNamespace]


def serve() -> None:
    """Run the component provider (a plugin's __main__.py calls this)."""
    from pulumi.provider.experimental import component_provider_host  # noqa: PLC0415

    component_provider_host(COMPONENTS, name=PACKAGE, version=__version__)


def schema() -> dict[str, Any]:
    """The package schema Pulumi infers from COMPONENTS (what `pulumi package get-schema`
    returns, apart from the version)."""
    from pulumi.provider.experimental.analyzer import Analyzer  # noqa: PLC0415
    from pulumi.provider.experimental.schema import generate_schema  # noqa: PLC0415

    result = Analyzer(PACKAGE).analyze(COMPONENTS)
    spec = generate_schema(name=PACKAGE, version="0.0.0", namespace=None,
                           components=result["component_definitions"],
                           type_definitions=result["type_definitions"],
                           dependencies=list(result["dependencies"]))
    document: dict[str, Any] = spec.to_json()
    return document


if __name__ == "__main__":
    # python -m slipway.multi_language components/plugin/schema.json: refresh the contract.
    import json
    import sys
    from pathlib import Path

    Path(sys.argv[1]).write_text(json.dumps(schema(), indent=2, sort_keys=True) + "\n")
