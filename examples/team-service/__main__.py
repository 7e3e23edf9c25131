"""The checkout service, described in plain Python with Slipway's published components.

No `services/` catalog, no Slipway stack settings: the team reads its own config, builds the
spec and the environment by hand, and gets the same hardened workload the platform's catalog
would give it (Deployment, Service, HPA, PDB, NetworkPolicy, monitoring).
"""

import pulumi
import pulumi_kubernetes as k8s

from slipway import (
    Environment,
    Microservice,
    MicroserviceArgs,
    ServiceNamespace,
    ServiceNamespaceArgs,
    ServiceSpec,
)

config = pulumi.Config()
# Manifests go to files here; a team deploying to a cluster sets a kube context instead.
render_dir = config.get("renderDir") or "out"
image = config.get("image") or (
    "registry.example.com/payments/checkout@sha256:"
    "1006345a540dcf07653812a4988b674492ed24372db604d4d1b7f288e0e913d1"
)

provider = k8s.Provider("render", render_yaml_to_directory=render_dir)
environment = Environment(name="dev", namespace="payments-dev")

namespace = ServiceNamespace(
    "payments-dev",
    ServiceNamespaceArgs(name=environment.namespace, environment=environment.name),
    opts=pulumi.ResourceOptions(providers=[provider]),
)

checkout = Microservice(
    "checkout",
    MicroserviceArgs(
        spec=ServiceSpec.model_validate({
            "name": "checkout",
            "team": "payments",
            "image": image,
            "version": "2.4.0",
            "port": 8080,
            "resources": {"cpu": "250m", "memory": "256Mi"},
            "probes": {"readiness": "/ready", "liveness": "/live"},
            "scaling": {"min": 2, "max": 6, "cpu": 70},
            "exposure": {"public": True, "host": "checkout.example.com", "path": "/"},
            "config": {"LOG_LEVEL": "info", "CURRENCY": "EUR"},
        }),
        environment=environment,
        namespace=namespace.name,
    ),
    opts=pulumi.ResourceOptions(providers=[provider]),
)

pulumi.export("deployment", checkout.deployment_name)
pulumi.export("url", checkout.url)
pulumi.export("version", checkout.version)
pulumi.export("resources", checkout.resource_names)
