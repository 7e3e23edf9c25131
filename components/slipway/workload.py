"""The pod template: container, probes, hardened security context, spread and shutdown.

Pure functions returning pulumi-kubernetes input dictionaries, so the Deployment and the
migration Job share one hardened definition and tests can read it without an engine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import pulumi

from . import labels
from .environment import Environment
from .spec.probes import Probe
from .spec.service import ServiceSpec
from .spec.signature import ImageSignature

CONFIG_HASH_ANNOTATION = "slipway.dev/config-hash"
# Read by the policy pack's image-signature rule: one per container (policy/README.md).
SIGNATURE_ANNOTATION_PREFIX = "slipway.dev/signature."
MIGRATION_CONTAINER = "migrate"
TMP_VOLUME = "tmp"


def signature_annotations(container: str, signature: ImageSignature | None) -> dict[str, str]:
    """The pod template annotation carrying the container image's cosign signature, if any."""
    if signature is None:
        return {}
    return {f"{SIGNATURE_ANNOTATION_PREFIX}{container}": signature.annotation()}


def config_data(spec: ServiceSpec) -> dict[str, str]:
    """Config values as ConfigMap strings (YAML booleans stay lowercase)."""
    return {
        key: (str(value).lower() if isinstance(value, bool) else str(value))
        for key, value in sorted(spec.config.items())
    }


def config_hash(data: Mapping[str, str]) -> str:
    """Content hash put on the pod template, so a config change rolls the pods."""
    encoded = json.dumps(dict(sorted(data.items())), separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def probe_port_name(spec: ServiceSpec, probe: Probe) -> str | int:
    return "http" if probe.port in (None, spec.port) else f"probe-{probe.port}"


def _probe(spec: ServiceSpec, probe: Probe) -> dict[str, Any]:
    port = probe_port_name(spec, probe)
    action: dict[str, Any] = (
        {"http_get": {"path": probe.path, "port": port, "scheme": "HTTP"}}
        if probe.path is not None
        else {"tcp_socket": {"port": port}}
    )
    return {
        **action,
        "initial_delay_seconds": probe.initial_delay_seconds,
        "period_seconds": probe.period_seconds,
        "timeout_seconds": probe.timeout_seconds,
        "failure_threshold": probe.failure_threshold,
        "success_threshold": 1,
    }


def container_ports(spec: ServiceSpec) -> list[dict[str, Any]]:
    ports: list[dict[str, Any]] = [
        {"name": "http", "container_port": spec.port, "protocol": "TCP"}]
    extra = sorted({
        p.port for p in (spec.probes.readiness, spec.probes.liveness, spec.probes.startup)
        if p.port not in (None, spec.port)
    })
    ports += [{"name": f"probe-{port}", "container_port": port, "protocol": "TCP"}
              for port in extra]
    return ports


def container_security_context() -> dict[str, Any]:
    return {
        "allow_privilege_escalation": False,
        "privileged": False,
        "read_only_root_filesystem": True,
        "run_as_non_root": True,
        "capabilities": {"drop": ["ALL"]},
        "seccomp_profile": {"type": "RuntimeDefault"},
    }


def pod_security_context(environment: Environment) -> dict[str, Any]:
    uid = environment.run_as_user
    return {
        "run_as_non_root": True,
        "run_as_user": uid,
        "run_as_group": uid,
        "fs_group": uid,
        "seccomp_profile": {"type": "RuntimeDefault"},
    }


def resources(spec: ServiceSpec) -> dict[str, Any]:
    limits = {"memory": spec.resources.memory_limit}
    if spec.resources.limits.cpu is not None:
        limits["cpu"] = spec.resources.limits.cpu
    return {
        "requests": {"cpu": spec.resources.cpu, "memory": spec.resources.memory},
        "limits": limits,
    }


def environment_variables(spec: ServiceSpec, secret_name: str) -> list[dict[str, Any]]:
    """Secret values by reference only; plain config comes in through envFrom."""
    return [
        {"name": key, "value_from": {"secret_key_ref": {"name": secret_name, "key": key}}}
        for key in spec.secrets
    ]


def env_from(config_map_name: pulumi.Input[str] | None) -> list[dict[str, Any]]:
    return [{"config_map_ref": {"name": config_map_name}}] if config_map_name else []


def topology_spread(spec: ServiceSpec, environment: Environment) -> list[dict[str, Any]]:
    selector = {"match_labels": labels.server_selector(spec.name, environment.name)}
    return [
        {
            "max_skew": 1,
            "topology_key": key,
            "when_unsatisfiable": rule,
            "label_selector": selector,
            # Count only pods of the same ReplicaSet, so a rollout is not blocked by old pods.
            "match_label_keys": ["pod-template-hash"],
        }
        for key, rule in (
            ("topology.kubernetes.io/zone", environment.zone_spread),
            ("kubernetes.io/hostname", environment.host_spread),
        )
    ]


def server_container(spec: ServiceSpec, config_map_name: pulumi.Input[str] | None,
                     secret_name: str) -> dict[str, Any]:
    return {
        "name": spec.name,
        "image": spec.image,
        "image_pull_policy": "IfNotPresent",
        "ports": container_ports(spec),
        "env": environment_variables(spec, secret_name),
        "env_from": env_from(config_map_name),
        "resources": resources(spec),
        "readiness_probe": _probe(spec, spec.probes.readiness),
        "liveness_probe": _probe(spec, spec.probes.liveness),
        "startup_probe": _probe(spec, spec.probes.startup),
        "security_context": container_security_context(),
        "volume_mounts": [{"name": TMP_VOLUME, "mount_path": "/tmp"}],
        # Keep serving while endpoints are removed everywhere, then get SIGTERM.
        "lifecycle": (
            {"pre_stop": {"sleep": {"seconds": spec.pre_stop_seconds}}}
            if spec.pre_stop_seconds else None
        ),
        "termination_message_policy": "FallbackToLogsOnError",
    }


def pod_spec(spec: ServiceSpec, environment: Environment, service_account: pulumi.Input[str],
             containers: list[dict[str, Any]], *, restart_policy: str = "Always",
             spread: bool = True) -> dict[str, Any]:
    pod: dict[str, Any] = {
        "service_account_name": service_account,
        "automount_service_account_token": spec.service_account.automount_token,
        "security_context": pod_security_context(environment),
        "containers": containers,
        "volumes": [{"name": TMP_VOLUME, "empty_dir": {"size_limit": "64Mi"}}],
        "restart_policy": restart_policy,
        "termination_grace_period_seconds": spec.termination_grace_period_seconds,
        "enable_service_links": False,
    }
    if spread:
        pod["topology_spread_constraints"] = topology_spread(spec, environment)
    return pod
