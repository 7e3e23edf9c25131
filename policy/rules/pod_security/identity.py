"""Restricted controls on who a container runs as: non-root, a non-zero user and (optional in
the standard) non-root groups."""

from __future__ import annotations

from typing import Any

from rules.k8s import UNKNOWN, as_list, fmt, is_unknown
from rules.pod_security.pod import Pod


def run_as_non_root(pod: Pod, opts: dict[str, Any]) -> None:
    for c in pod.containers:
        value, where = pod.effective(c, "runAsNonRoot")
        if value is True or value is UNKNOWN:
            continue
        got = "is false" if value is False else "is not set, nor on the pod"
        pod.out.add(f"{pod.who}: {c.title} may run as root ({where} {got}). Set "
                    f"runAsNonRoot: true on the pod or the container.")


def run_as_non_root_user(pod: Pod, opts: dict[str, Any]) -> None:
    if pod.pod_ctx("runAsUser") == 0:
        pod.out.add(f"{pod.who}: the pod runs as user 0 ({fmt((*pod.ctx_path, 'runAsUser'))})."
                    f" Run as a non-zero UID.")
    for c in pod.containers:
        if pod.ctx(c, "runAsUser") == 0:
            pod.out.add(f"{pod.who}: {c.title} runs as user 0 ({pod.where(c, 'runAsUser')}). "
                        f"Run as a non-zero UID.")


def non_root_groups(pod: Pod, opts: dict[str, Any]) -> None:
    for field in ("runAsGroup", "fsGroup"):
        if pod.pod_ctx(field) == 0:
            pod.out.add(f"{pod.who}: the pod sets {field} 0, the root group "
                        f"({fmt((*pod.ctx_path, field))}). Use a non-zero group ID.")
    for index, group in enumerate(as_list(pod.pod_ctx("supplementalGroups"))):
        if group == 0 and not is_unknown(group):
            pod.out.add(f"{pod.who}: the pod adds the root group "
                        f"({fmt((*pod.ctx_path, 'supplementalGroups', index))} is 0). Remove it.")
    for c in pod.containers:
        if pod.ctx(c, "runAsGroup") == 0:
            pod.out.add(f"{pod.who}: {c.title} runs with group 0, the root group "
                        f"({pod.where(c, 'runAsGroup')}). Use a non-zero group ID.")
