"""Baseline and restricted controls on kernel security profiles: AppArmor, SELinux, seccomp,
and the sysctls a pod may set."""

from __future__ import annotations

from typing import Any, Final

from rules.k8s import UNKNOWN, as_dict, as_list, fmt, is_unknown
from rules.pod_security.pod import Pod

APPARMOR_TYPES: Final = frozenset({"RuntimeDefault", "Localhost"})
APPARMOR_ANNOTATION: Final = "container.apparmor.security.beta.kubernetes.io/"
SELINUX_TYPES: Final = frozenset({"", "container_t", "container_init_t", "container_kvm_t",
                                  "container_engine_t"})
SECCOMP_TYPES: Final = frozenset({"RuntimeDefault", "Localhost"})
# The sysctls the baseline profile calls safe (namespaced, isolated from the node).
SAFE_SYSCTLS: Final = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
})


def apparmor(pod: Pod, opts: dict[str, Any]) -> None:
    value = pod.pod_ctx("appArmorProfile", "type")
    if value not in (None, UNKNOWN) and value not in APPARMOR_TYPES:
        pod.out.add(f"{pod.who}: the pod's AppArmor profile is {value!r} "
                    f"({fmt((*pod.ctx_path, 'appArmorProfile', 'type'))}). Use RuntimeDefault "
                    f"or Localhost, or leave it out.")
    for c in pod.containers:
        value = pod.ctx(c, "appArmorProfile", "type")
        if value not in (None, UNKNOWN) and value not in APPARMOR_TYPES:
            pod.out.add(f"{pod.who}: {c.title} has AppArmor profile {value!r} "
                        f"({pod.where(c, 'appArmorProfile', 'type')}). Use RuntimeDefault or "
                        f"Localhost, or leave it out.")
    path = pod.template_annotations_path()
    for key, value in pod.template_annotations().items():
        if not key.startswith(APPARMOR_ANNOTATION) or is_unknown(value):
            continue
        if value != "runtime/default" and not str(value).startswith("localhost/"):
            pod.out.add(f"{pod.who}: annotation {fmt((*path, key))} sets AppArmor profile "
                        f"{value!r}. Use runtime/default or localhost/<profile>, or remove it.")


def selinux(pod: Pod, opts: dict[str, Any]) -> None:
    scopes: list[tuple[str, Any, str]] = [
        ("the pod", pod.pod_ctx("seLinuxOptions"), fmt((*pod.ctx_path, "seLinuxOptions")))]
    scopes += [(c.title, pod.ctx(c, "seLinuxOptions"), pod.where(c, "seLinuxOptions"))
               for c in pod.containers]
    for who, raw, where in scopes:
        options = as_dict(raw)
        kind = options.get("type")
        if kind is not None and not is_unknown(kind) and kind not in SELINUX_TYPES:
            pod.out.add(f"{pod.who}: {who} sets SELinux type {kind!r} ({where}.type). Use one "
                        f"of {', '.join(sorted(t for t in SELINUX_TYPES if t))}, or leave it "
                        f"out.")
        for field in ("user", "role"):
            value = options.get(field)
            if value not in (None, "") and not is_unknown(value):
                pod.out.add(f"{pod.who}: {who} sets SELinux {field} {value!r} ({where}."
                            f"{field}). Leave seLinuxOptions.{field} out.")


def seccomp_baseline(pod: Pod, opts: dict[str, Any]) -> None:
    if pod.pod_ctx("seccompProfile", "type") == "Unconfined":
        pod.out.add(f"{pod.who}: the pod's seccomp profile is Unconfined "
                    f"({fmt((*pod.ctx_path, 'seccompProfile', 'type'))}). Use RuntimeDefault or "
                    f"Localhost.")
    for c in pod.containers:
        if pod.ctx(c, "seccompProfile", "type") == "Unconfined":
            pod.out.add(f"{pod.who}: {c.title} has seccomp profile Unconfined "
                        f"({pod.where(c, 'seccompProfile', 'type')}). Use RuntimeDefault or "
                        f"Localhost.")


def seccomp_restricted(pod: Pod, opts: dict[str, Any]) -> None:
    if pod.windows:
        return
    for c in pod.containers:
        value, where = pod.effective(c, "seccompProfile", "type")
        if value is UNKNOWN or value in SECCOMP_TYPES:
            continue
        got = f"is {value!r}" if value is not None else "is not set, nor on the pod"
        pod.out.add(f"{pod.who}: {c.title} has no seccomp profile ({where} {got}). Set "
                    f"seccompProfile: {{type: RuntimeDefault}} on the pod or the container.")


def sysctls(pod: Pod, opts: dict[str, Any]) -> None:
    allowed = SAFE_SYSCTLS | set(opts["allowedSysctls"])
    for index, entry in enumerate(as_list(pod.pod_ctx("sysctls"))):
        name = as_dict(entry).get("name")
        where = fmt((*pod.ctx_path, "sysctls", index, "name"))
        if is_unknown(entry) or is_unknown(name):
            pod.out.defer(where)
        elif name not in allowed:
            pod.out.add(f"{pod.who}: sets sysctl {name!r} ({where}), which is not in the safe "
                        f"set ({', '.join(sorted(SAFE_SYSCTLS))}). Remove it, or allow it in "
                        f"allowedSysctls.")
