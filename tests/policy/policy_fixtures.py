"""Compliant Kubernetes resources (raw camelCase props, as the engine passes them) to break."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any, Final

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pulumi_policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions

from rules.k8s import CONTAINER_FIELDS, UNKNOWN_SENTINELS, pod_spec_path
from rules.pod_security import CONTROLS
from rules.pod_security.control import Control

DIGEST = "sha256:" + "ab" * 32
OTHER_DIGEST = "sha256:" + "cd" * 32
REPO = "registry.example.com/shop/orders"
IMAGE = f"{REPO}@{DIGEST}"
LABELS = {"app.kubernetes.io/name": "orders"}


def container(name: str = "app", image: str = IMAGE) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": 8080}],
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
        "livenessProbe": {"tcpSocket": {"port": 8080}},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                      "limits": {"cpu": "1", "memory": "256Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "env": [{"name": "LOG_LEVEL", "value": "info"}],
    }


def pod_spec() -> dict[str, Any]:
    return {
        "containers": [container()],
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "topologySpreadConstraints": [{
            "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": dict(LABELS)},
        }],
    }


def deployment(name: str = "orders", namespace: str = "shop", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "selector": {"matchLabels": dict(LABELS)},
            "template": {"metadata": {"labels": dict(LABELS)}, "spec": pod_spec()},
            **spec,
        },
    }


def cronjob() -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "report", "namespace": "shop"},
        "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": {
            "metadata": {"labels": dict(LABELS)}, "spec": pod_spec()}}}},
    }


def pod() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "debug", "namespace": "shop", "labels": dict(LABELS)},
            "spec": pod_spec()}


def edit(resource: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(resource)


# --- signatures -----------------------------------------------------------------------------

def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def payload(reference: str = REPO, digest: str = DIGEST) -> bytes:
    """What `cosign generate` prints (Go's json.Marshal of the simple-signing struct)."""
    return (
        '{"critical":{"identity":{"docker-reference":"' + reference + '"},"image":'
        '{"docker-manifest-digest":"' + digest + '"},"type":"cosign container image '
        'signature"},"optional":null}'
    ).encode()


def sign(key: ec.EllipticCurvePrivateKey, data: bytes) -> str:
    return base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode()


def annotation(key: ec.EllipticCurvePrivateKey, data: bytes | None = None) -> str:
    data = data if data is not None else payload()
    return json.dumps({"Payload": base64.b64encode(data).decode(),
                       "Base64Signature": sign(key, data)})


def signed(resource: dict[str, Any], value: str, name: str = "app") -> dict[str, Any]:
    out = edit(resource)
    meta = out["spec"]["template"]["metadata"]
    meta.setdefault("annotations", {})[f"slipway.dev/signature.{name}"] = value
    return out


# --- stack input -------------------------------------------------------------------------

TYPES = {
    "Deployment": "kubernetes:apps/v1:Deployment",
    "PodDisruptionBudget": "kubernetes:policy/v1:PodDisruptionBudget",
    "HorizontalPodAutoscaler": "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "NetworkPolicy": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "Service": "kubernetes:core/v1:Service",
}
OPTIONS = PolicyResourceOptions(False, [], False, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def res(props: dict[str, Any]) -> PolicyResource:
    kind = props["kind"]
    name = props["metadata"]["name"]
    urn = f"urn:pulumi:dev::slipway::{TYPES[kind]}::{name}"
    return PolicyResource(TYPES[kind], props, urn, name, OPTIONS, None, None, [], {})


def urn(kind: str, name: str) -> str:
    return f"urn:pulumi:dev::slipway::{TYPES[kind]}::{name}"


def hpa(min_replicas: Any = 2, target: str = "orders") -> dict[str, Any]:
    return {"kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "orders-hpa", "namespace": "shop"},
            "spec": {"minReplicas": min_replicas, "maxReplicas": 6,
                     "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                        "name": target}}}


# --- pod security: a restricted-compliant pod, held by every kind that holds one -------------
# The Pod Security Standards tests (test_pss_*.py) break one field, for every kind and every
# container list, and expect exactly their own rule to fire.

UNKNOWN: Final = next(iter(UNKNOWN_SENTINELS))
KINDS: Final = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                "Job", "CronJob", "Pod", "PodTemplate"]
FIELDS: Final = list(CONTAINER_FIELDS)
_API: Final = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1",
               "ReplicaSet": "apps/v1", "ReplicationController": "v1", "Job": "batch/v1",
               "CronJob": "batch/v1", "Pod": "v1", "PodTemplate": "v1"}


def restricted_container(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": "registry.example.com/shop/orders@sha256:" + "ab" * 32,
        "ports": [{"name": "http", "containerPort": 8080}],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }


def restricted_pod_spec() -> dict[str, Any]:
    return {
        "containers": [restricted_container("app")],
        "initContainers": [restricted_container("setup")],
        "ephemeralContainers": [restricted_container("debug")],
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                            "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "volumes": [{"name": "tmp", "emptyDir": {}},
                    {"name": "config", "configMap": {"name": "orders-config"}}],
    }


def workload(kind: str, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    """``kind`` holding ``spec`` (default: the compliant pod spec) where that kind keeps it."""
    resource: dict[str, Any] = {"apiVersion": _API[kind], "kind": kind,
                                "metadata": {"name": "orders", "namespace": "shop"}}
    template = {"metadata": {"labels": {"app": "orders"}}, "spec": spec or restricted_pod_spec()}
    if kind == "Pod":
        resource["metadata"]["labels"] = {"app": "orders"}
        resource["spec"] = template["spec"]
    elif kind == "PodTemplate":
        resource["template"] = template
    elif kind == "CronJob":
        resource["spec"] = {"schedule": "0 * * * *",
                            "jobTemplate": {"spec": {"template": template}}}
    else:
        resource["spec"] = {"selector": {"matchLabels": {"app": "orders"}}, "template": template}
    return copy.deepcopy(resource)


def spec(resource: dict[str, Any]) -> dict[str, Any]:
    """The pod spec inside ``resource``, to break in place."""
    node: Any = resource
    for part in pod_spec_path(resource["kind"]):
        node = node[part]
    result: dict[str, Any] = node
    return result


def ctx(resource: dict[str, Any], field: str = "containers") -> dict[str, Any]:
    """The securityContext of the first container of ``field``."""
    result: dict[str, Any] = spec(resource)[field][0]["securityContext"]
    return result


def pod_ctx(resource: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = spec(resource)["securityContext"]
    return result


def where(kind: str, *path: str | int) -> str:
    """The message path of a field under the pod spec: "spec.template.spec.hostPID"."""
    out = ""
    for part in (*pod_spec_path(kind), *path):
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def who(kind: str) -> str:
    return f"{kind} 'shop/orders'"


def control(name: str) -> Control:
    return next(c for c in CONTROLS if c.rule == f"slipway-k8s-workload-{name}")


def fired(resource: dict[str, Any]) -> set[str]:
    """The pod-security rules that report ``resource``."""
    return {c.rule for c in CONTROLS if c.check(resource, {})}
