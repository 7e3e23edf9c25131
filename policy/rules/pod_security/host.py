"""Baseline controls on what a pod shares with its node: HostProcess, host namespaces,
hostPath volumes and host ports."""

from __future__ import annotations

from typing import Any

from rules.k8s import as_dict, as_list, fmt, is_unknown
from rules.pod_security.pod import Pod

NAMESPACES = {"hostNetwork": "network", "hostPID": "PID", "hostIPC": "IPC"}


def host_process(pod: Pod, opts: dict[str, Any]) -> None:
    if pod.pod_ctx("windowsOptions", "hostProcess") is True:
        pod.out.add(f"{pod.who}: the pod runs as a Windows HostProcess "
                    f"({fmt((*pod.ctx_path, 'windowsOptions', 'hostProcess'))} is true), with "
                    f"full access to the node. Remove hostProcess or set it to false.")
    for c in pod.containers:
        if pod.ctx(c, "windowsOptions", "hostProcess") is True:
            pod.out.add(f"{pod.who}: {c.title} runs as a Windows HostProcess "
                        f"({pod.where(c, 'windowsOptions', 'hostProcess')} is true). Remove "
                        f"hostProcess or set it to false.")


def host_namespaces(pod: Pod, opts: dict[str, Any]) -> None:
    for field, what in NAMESPACES.items():
        if pod.field(field) is True:
            pod.out.add(f"{pod.who}: {fmt((*pod.spec_path, field))} is true, sharing the "
                        f"node's {what} namespace. Remove {field} or set it to false.")


def host_path_volumes(pod: Pod, opts: dict[str, Any]) -> None:
    for index, volume in enumerate(as_list(pod.field("volumes"))):
        if isinstance(volume, dict) and volume.get("hostPath") is not None:
            pod.out.add(f"{pod.who}: volume '{volume.get('name', index)}' is a hostPath "
                        f"({fmt((*pod.spec_path, 'volumes', index, 'hostPath'))}), which "
                        f"exposes the node's files. Use an emptyDir, a ConfigMap, a Secret or a "
                        f"PersistentVolumeClaim instead.")


def host_ports(pod: Pod, opts: dict[str, Any]) -> None:
    allowed = set(opts["allowedHostPorts"])
    for c in pod.containers:
        for index, port in enumerate(as_list(pod.container_field(c, "ports"))):
            where = fmt((*c.path, "ports", index, "hostPort"))
            host_port = as_dict(port).get("hostPort")
            if is_unknown(port) or is_unknown(host_port):
                pod.out.defer(where)
                continue
            if host_port in (None, 0) or host_port in allowed:
                continue
            pod.out.add(f"{pod.who}: {c.title} binds host port {host_port} ({where}), "
                        f"reachable on the node's address past Services and NetworkPolicies. "
                        f"Remove hostPort (use a Service), or allow the port in "
                        f"allowedHostPorts.")
