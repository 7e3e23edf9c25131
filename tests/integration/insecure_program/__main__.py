"""Deliberately insecure Kubernetes resources: one per rule of the Slipway policy pack.

Raw pulumi-kubernetes, no Slipway component: the pack checks any program. Every resource is
compliant except for the one thing its name says, so each rule fires on its own resource
(the image-signature rule fires on every workload: nothing here is signed). Rendered to the
directory in the `renderDir` config: nothing reaches a cluster. Used by
tests/integration/test_policy_pack.py, which copies this directory and links the virtualenv.

The Pod Security Standards rules get a matrix instead (pod_security.py, next to this file):
each control broken once in every kind that holds a pod, named `pss-<control>-<kind>`.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pod_security  # type: ignore[import-not-found]  # next to this file (run as a script)
import pulumi
import pulumi_kubernetes as k8s

provider = k8s.Provider("render", render_yaml_to_directory=pulumi.Config().require("renderDir"))
OPTS = pulumi.ResourceOptions(provider=provider)
IMAGE = "registry.example.com/shop/orders@sha256:" + "ab" * 32
COVERED = {"pdb": "covered", "netpol": "covered"}


def container(**changes: Any) -> dict[str, Any]:
    return {
        "name": "app",
        "image": IMAGE,
        "ports": [{"name": "http", "container_port": 8080}],
        "readiness_probe": {"http_get": {"path": "/ready", "port": "http"}},
        "liveness_probe": {"tcp_socket": {"port": 8080}},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                      "limits": {"cpu": "1", "memory": "256Mi"}},
        "security_context": {
            "allow_privilege_escalation": False,
            "privileged": False,
            "read_only_root_filesystem": True,
            "run_as_non_root": True,
            "capabilities": {"drop": ["ALL"]},
            "seccomp_profile": {"type": "RuntimeDefault"},
        },
        **changes,
    }


def deployment(name: str, *, replicas: int = 3, labels: dict[str, str] | None = None,
               annotations: dict[str, str] | None = None, spread: bool = True,
               **container_changes: Any) -> k8s.apps.v1.Deployment:
    pod_labels = {"app": name, **(COVERED if labels is None else labels)}
    pod: dict[str, Any] = {
        "containers": [container(**container_changes)],
        "security_context": {"run_as_non_root": True, "run_as_user": 10001,
                             "seccomp_profile": {"type": "RuntimeDefault"}},
    }
    if spread:
        pod["topology_spread_constraints"] = [{
            "max_skew": 1, "topology_key": "topology.kubernetes.io/zone",
            "when_unsatisfiable": "DoNotSchedule",
            "label_selector": {"match_labels": {"app": name}},
        }]
    return k8s.apps.v1.Deployment(
        name,
        metadata={"name": name, "namespace": "default", "annotations": annotations},
        spec={"replicas": replicas, "selector": {"match_labels": {"app": name}},
              "template": {"metadata": {"labels": copy.deepcopy(pod_labels)}, "spec": pod}},
        opts=OPTS,
    )


# What covers the compliant pods: one PodDisruptionBudget and one NetworkPolicy.
k8s.policy.v1.PodDisruptionBudget(
    "budget", metadata={"name": "budget", "namespace": "default"},
    spec={"max_unavailable": 1, "selector": {"match_labels": {"pdb": "covered"}}}, opts=OPTS)
k8s.networking.v1.NetworkPolicy(
    "isolation", metadata={"name": "isolation", "namespace": "default"},
    spec={"pod_selector": {"match_labels": {"netpol": "covered"}},
          "policy_types": ["Ingress", "Egress"]}, opts=OPTS)
deployment("compliant")

# slipway-k8s-workload-probes
deployment("no-probes", readiness_probe=None, liveness_probe=None)
# slipway-k8s-workload-resources
deployment("no-resources", resources=None)
# slipway-k8s-workload-image-digest
deployment("tag-not-digest", image="registry.example.com/shop/orders:1.8.3")
# slipway-k8s-workload-image-registry
deployment("untrusted-registry", image="docker.io/someone/orders@sha256:" + "cd" * 32)
# slipway-k8s-workload-image-latest
deployment("latest-tag", image="registry.example.com/shop/orders:latest")
# The slipway-k8s-workload-<control> rules of the Pod Security Standards: every control in
# every kind that holds a pod (and in containers, init and ephemeral containers).
pod_security.matrix(container, OPTS)
# slipway-k8s-workload-plaintext-secrets
deployment("plaintext-env", env=[{"name": "DB_PASSWORD", "value": "hunter2-but-longer"}])
# slipway-k8s-workload-command-secrets
deployment("secret-in-args", args=["--listen=:8080", "--db-password=hunter2"])
# slipway-k8s-configmap-plaintext-secrets
k8s.core.v1.ConfigMap(
    "plaintext-config", metadata={"name": "plaintext-config", "namespace": "default"},
    data={"LOG_LEVEL": "info", "API_TOKEN": "s3cr3t-t0ken"}, opts=OPTS)
# ... also inside a file embedded in a ConfigMap
k8s.core.v1.ConfigMap(
    "plaintext-env-file", metadata={"name": "plaintext-env-file", "namespace": "default"},
    data={"app.env": "LOG_LEVEL=info\nDB_PASSWORD=hunter2\nFEATURE_X=on\n"}, opts=OPTS)
# slipway-k8s-service-external-ips
k8s.core.v1.Service(
    "external-ips", metadata={"name": "external-ips", "namespace": "default"},
    spec={"selector": {"app": "compliant"}, "externalIPs": ["203.0.113.10"],
          "ports": [{"port": 80, "target_port": "http"}]}, opts=OPTS)
# slipway-k8s-service-exposure
k8s.core.v1.Service(
    "load-balancer", metadata={"name": "load-balancer", "namespace": "default"},
    spec={"type": "LoadBalancer", "selector": {"app": "compliant"},
          "ports": [{"port": 80, "target_port": "http"}]}, opts=OPTS)
# slipway-k8s-resource-exemptions
deployment("bad-exemption", annotations={
    "slipway.dev/exempt.slipway-k8s-workload-probes": '{"expires": "2026-12-31"}'})
# An exemption holds only up to maxDays ahead (the test sets 30) and until it expires: these
# two exempt nothing, so the probes rule fires on them as well as the exemption rule.
TODAY = datetime.date.today()


def exempt_probes(expires: datetime.date) -> dict[str, str]:
    return {"slipway.dev/exempt.slipway-k8s-workload-probes":
            f'{{"reason": "legacy image, SEC-1", "expires": "{expires.isoformat()}"}}'}


deployment("exemption-too-far", annotations=exempt_probes(TODAY + datetime.timedelta(days=100)),
           readiness_probe=None, liveness_probe=None)
deployment("exemption-expired", annotations=exempt_probes(TODAY - datetime.timedelta(days=1)),
           readiness_probe=None, liveness_probe=None)
# ... and this one, within maxDays, exempts: nothing fires on it.
deployment("exemption-valid", annotations=exempt_probes(TODAY + datetime.timedelta(days=10)),
           readiness_probe=None, liveness_probe=None)


async def _value(value: Any) -> Any:
    return value


# An image unknown during preview (as when it comes from another resource's output): the image
# rules defer it to the update, and the engine's note names this resource.
deployment("unknown-image", image=pulumi.Output(
    set(), _value(IMAGE), _value(not pulumi.runtime.is_dry_run())))
# slipway-k8s-workload-disruption-budget
deployment("no-pdb", labels={"netpol": "covered"})
# slipway-k8s-workload-network-policy
deployment("no-network-policy", labels={"pdb": "covered"})
# slipway-k8s-service-selector
k8s.core.v1.Service(
    "selects-nothing", metadata={"name": "selects-nothing", "namespace": "default"},
    spec={"type": "ClusterIP", "selector": {"app": "nobody"},
          "ports": [{"port": 80, "target_port": 8080}]}, opts=OPTS)
# slipway-k8s-hpa-target
k8s.autoscaling.v2.HorizontalPodAutoscaler(
    "hpa-without-target", metadata={"name": "hpa-without-target", "namespace": "default"},
    spec={"scale_target_ref": {"api_version": "apps/v1", "kind": "Deployment", "name": "ghost"},
          "min_replicas": 3, "max_replicas": 6,
          "metrics": [{"type": "Resource", "resource": {
              "name": "cpu", "target": {"type": "Utilization", "average_utilization": 70}}}]},
    opts=OPTS)
# slipway-k8s-workload-prod-replicas
deployment("one-replica", replicas=1)
# slipway-k8s-workload-prod-zone-spread
deployment("no-zone-spread", spread=False)
# slipway-k8s-stack-freeze-window: the whole stack, while the test's window is open.
# slipway-k8s-route-weights: a canary split of 50/30 (the backends are Services of this stack)
k8s.apiextensions.CustomResource(
    "weights-not-100", api_version="gateway.networking.k8s.io/v1", kind="HTTPRoute",
    metadata={"name": "weights-not-100", "namespace": "default"},
    spec={"parentRefs": [{"name": "gateway", "namespace": "gateway"}],
          "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                     "backendRefs": [{"name": "load-balancer", "port": 80, "weight": 50},
                                     {"name": "selects-nothing", "port": 80, "weight": 30}]}]},
    opts=OPTS)
