"""The raw program of bench/engine_preview.py: Slipway's resources written with plain classes.

Copied as `__main__.py` into a throwaway project next to `resources.json`, which holds every
custom resource a Slipway preview registers (type token, name, inputs; recorded under mocks).
Each one is created here directly with pulumi-kubernetes, through one explicit provider, with
no components and no validation. With `"dependencies": true` in `resources.json` each resource
also gets `depends_on` the resources the Slipway program's registration named (its explicit
`depends_on` and the resources behind its Output inputs); without it, none. With `"freeze":
true` it also calls `gc.freeze()` where the Slipway program does (stack/collector.py): after
its imports and after its last resource.
"""

from __future__ import annotations

import gc
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

KINDS: dict[str, Callable[..., pulumi.CustomResource]] = {
    "kubernetes:core/v1:Namespace": k8s.core.v1.Namespace,
    "kubernetes:core/v1:ServiceAccount": k8s.core.v1.ServiceAccount,
    "kubernetes:core/v1:ConfigMap": k8s.core.v1.ConfigMap,
    "kubernetes:core/v1:Secret": k8s.core.v1.Secret,
    "kubernetes:core/v1:Service": k8s.core.v1.Service,
    "kubernetes:apps/v1:Deployment": k8s.apps.v1.Deployment,
    "kubernetes:batch/v1:Job": k8s.batch.v1.Job,
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": k8s.autoscaling.v2.HorizontalPodAutoscaler,
    "kubernetes:policy/v1:PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": k8s.networking.v1.NetworkPolicy,
}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


recorded: dict[str, Any] = json.loads(Path("resources.json").read_text())
if recorded.get("freeze"):
    gc.freeze()
settings = recorded["provider"]
provider = k8s.Provider(
    "kubernetes",
    # Render mode (renderDir) or a cluster (context and kubeconfig), as the Slipway stack had.
    render_yaml_to_directory=settings.get("renderYamlToDirectory"),
    context=settings.get("context"),
    kubeconfig=settings.get("kubeconfig"),
    enable_server_side_apply=settings["enableServerSideApply"] == "true",
    enable_config_map_mutable=settings.get("enableConfigMapMutable") == "true",
)
made: dict[tuple[str, str], pulumi.CustomResource] = {}
for type_token, name, inputs, dependencies in recorded["resources"]:
    opts = pulumi.ResourceOptions(
        provider=provider,
        depends_on=[made[(typ, dep)] for typ, dep in dependencies]
        if recorded["dependencies"] else None,
    )
    if type_token in KINDS:
        resource = KINDS[type_token](name, opts=opts, **{snake(k): v for k, v in inputs.items()
                                                         if k not in ("apiVersion", "kind")})
    elif "apiVersion" in inputs and "kind" in inputs:
        # Custom resources: ExternalSecret, ServiceMonitor, PrometheusRule, HTTPRoute...
        resource = k8s.apiextensions.CustomResource(
            name, api_version=inputs["apiVersion"], kind=inputs["kind"], opts=opts,
            **{k: v for k, v in inputs.items() if k not in ("apiVersion", "kind")})
    else:
        raise ValueError(f"resources.json: no raw class for {type_token} ({name})")
    made[(type_token, name)] = resource
if recorded.get("freeze"):
    gc.freeze()
