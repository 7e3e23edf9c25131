"""The Pod Security Standards matrix of the insecure program: every control of the
slipway-k8s-workload-<control> rules broken once in every kind that holds a pod.

`matrix()` registers `pss-<control>-<kind>` for each (control, kind): a restricted-compliant
pod with exactly one thing broken. Controls on a container break it in the containers, init
containers or ephemeral containers, rotating with the kind, so each list is exercised.
tests/integration/test_policy_pack.py expects each control's rule (and only the rules a break
necessarily implies) on each of its resources.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
         "CronJob", "Pod", "PodTemplate"]
FIELDS = ["containers", "initContainers", "ephemeralContainers"]
Pod = dict[str, Any]


def _container(pod: Pod, field: str) -> dict[str, Any]:
    found: dict[str, Any] = pod[field][0]
    return found


def _ctx(pod: Pod, field: str) -> dict[str, Any]:
    found: dict[str, Any] = _container(pod, field).setdefault("securityContext", {})
    return found


def _seccomp_restricted(pod: Pod, field: str) -> None:
    pod["securityContext"].pop("seccompProfile")
    _ctx(pod, field).pop("seccompProfile")


# control -> how to break a compliant pod (field: the container list to break it in).
BREAK: dict[str, Callable[[Pod, str], None]] = {
    "host-process": lambda pod, f: pod["securityContext"].update(
        windowsOptions={"hostProcess": True}),
    "host-namespaces": lambda pod, f: pod.update(hostPID=True),
    "privileged": lambda pod, f: _ctx(pod, f).update(privileged=True),
    "capabilities-baseline": lambda pod, f: _ctx(pod, f).update(
        capabilities={"drop": ["ALL"], "add": ["SYS_ADMIN"]}),
    "host-path-volumes": lambda pod, f: pod["volumes"].append(
        {"name": "node", "hostPath": {"path": "/var/run"}}),
    "host-ports": lambda pod, f: _container(pod, f)["ports"][0].update(hostPort=8080),
    "apparmor": lambda pod, f: _ctx(pod, f).update(appArmorProfile={"type": "Unconfined"}),
    "selinux": lambda pod, f: _ctx(pod, f).update(seLinuxOptions={"type": "spc_t"}),
    "proc-mount": lambda pod, f: _ctx(pod, f).update(procMount="Unmasked"),
    "seccomp-baseline": lambda pod, f: _ctx(pod, f).update(
        seccompProfile={"type": "Unconfined"}),
    "sysctls": lambda pod, f: pod["securityContext"].update(
        sysctls=[{"name": "kernel.msgmax", "value": "65536"}]),
    "volume-types": lambda pod, f: pod["volumes"].append(
        {"name": "share", "nfs": {"server": "nfs.example.com", "path": "/"}}),
    "privilege-escalation": lambda pod, f: _ctx(pod, f).update(allowPrivilegeEscalation=True),
    "run-as-non-root": lambda pod, f: _ctx(pod, f).update(runAsNonRoot=False),
    "run-as-non-root-user": lambda pod, f: _ctx(pod, f).update(runAsUser=0),
    "non-root-groups": lambda pod, f: pod["securityContext"].update(fsGroup=0),
    "seccomp-restricted": _seccomp_restricted,
    "capabilities-restricted": lambda pod, f: _ctx(pod, f).update(
        capabilities={"drop": ["NET_RAW"]}),
    "read-only-root-filesystem": lambda pod, f: _ctx(pod, f).update(
        readOnlyRootFilesystem=False),
}
# Breaks that necessarily break a second control too.
IMPLIES = {"capabilities-baseline": "capabilities-restricted",
           "host-path-volumes": "volume-types",
           "seccomp-baseline": "seccomp-restricted"}


def name(control: str, kind: str) -> str:
    return f"pss-{control}-{kind.lower()}"


def _pod(make_container: Callable[..., dict[str, Any]]) -> Pod:
    def hardened(container_name: str) -> dict[str, Any]:
        c = make_container(name=container_name)
        c["securityContext"] = {
            "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
            "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"}}
        c.pop("security_context", None)
        return c
    init = hardened("setup")
    for probe in ("readiness_probe", "liveness_probe"):
        init.pop(probe)
    debug = hardened("debug")
    for field in ("readiness_probe", "liveness_probe", "resources"):
        debug.pop(field)
    return {
        "containers": [hardened("app")], "initContainers": [init],
        "ephemeralContainers": [debug],
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }


def _register(kind: str, resource_name: str, pod: Pod, opts: pulumi.ResourceOptions) -> None:
    meta = {"name": resource_name, "namespace": "default"}
    labels = {"app": resource_name}
    template = {"metadata": {"labels": labels}, "spec": pod}
    selector = {"match_labels": labels}
    if kind in ("Job", "CronJob"):
        pod["restartPolicy"] = "Never"
    if kind == "Deployment":
        k8s.apps.v1.Deployment(resource_name, metadata=meta, spec={
            "replicas": 3, "selector": selector, "template": template}, opts=opts)
    elif kind == "StatefulSet":
        k8s.apps.v1.StatefulSet(resource_name, metadata=meta, spec={
            "replicas": 3, "service_name": resource_name, "selector": selector,
            "template": template}, opts=opts)
    elif kind == "DaemonSet":
        k8s.apps.v1.DaemonSet(resource_name, metadata=meta, spec={
            "selector": selector, "template": template}, opts=opts)
    elif kind == "ReplicaSet":
        k8s.apps.v1.ReplicaSet(resource_name, metadata=meta, spec={
            "replicas": 3, "selector": selector, "template": template}, opts=opts)
    elif kind == "ReplicationController":
        k8s.core.v1.ReplicationController(resource_name, metadata=meta, spec={
            "replicas": 3, "selector": labels, "template": template}, opts=opts)
    elif kind == "Job":
        k8s.batch.v1.Job(resource_name, metadata=meta, spec={"template": template}, opts=opts)
    elif kind == "CronJob":
        k8s.batch.v1.CronJob(resource_name, metadata=meta, spec={
            "schedule": "0 * * * *", "job_template": {"spec": {"template": template}}},
            opts=opts)
    elif kind == "Pod":
        k8s.core.v1.Pod(resource_name, metadata={**meta, "labels": labels}, spec=pod, opts=opts)
    else:
        k8s.core.v1.PodTemplate(resource_name, metadata=meta, template=template, opts=opts)


def matrix(make_container: Callable[..., dict[str, Any]], opts: pulumi.ResourceOptions) -> None:
    base = _pod(make_container)
    for control, breaker in BREAK.items():
        for index, kind in enumerate(KINDS):
            pod = copy.deepcopy(base)
            breaker(pod, FIELDS[index % len(FIELDS)])
            _register(kind, name(control, kind), pod, opts)
