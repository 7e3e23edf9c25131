"""Controls on a container's privileges: privileged, capabilities (baseline and restricted),
privilege escalation, /proc mount type and, beyond the standard, a read-only root filesystem."""

from __future__ import annotations

from typing import Any, Final

from rules.k8s import UNKNOWN, as_list
from rules.pod_security.pod import Pod

# Capabilities the baseline profile lets a container add (Kubernetes Pod Security Standards).
BASELINE_CAPABILITIES: Final = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})
# The only capability the restricted profile lets a container add back after dropping ALL.
RESTRICTED_CAPABILITIES: Final = frozenset({"NET_BIND_SERVICE"})


def privileged(pod: Pod, opts: dict[str, Any]) -> None:
    for c in pod.containers:
        if pod.ctx(c, "privileged") is True:
            pod.out.add(f"{pod.who}: {c.title} is privileged ({pod.where(c, 'privileged')} is "
                        f"true), with every capability and the node's devices. Remove "
                        f"privileged: true; grant only the capabilities it needs.")


def _added(pod: Pod, c: Any) -> list[str]:
    added = pod.ctx(c, "capabilities", "add")
    return [] if added is UNKNOWN else [str(a) for a in as_list(added)]


def capabilities_baseline(pod: Pod, opts: dict[str, Any]) -> None:
    for c in pod.containers:
        extra = sorted(set(_added(pod, c)) - BASELINE_CAPABILITIES)
        if extra:
            pod.out.add(f"{pod.who}: {c.title} adds capabilities {', '.join(extra)} "
                        f"({pod.where(c, 'capabilities', 'add')}), beyond the baseline set "
                        f"({', '.join(sorted(BASELINE_CAPABILITIES))}). Remove them.")


def capabilities_restricted(pod: Pod, opts: dict[str, Any]) -> None:
    if pod.windows:
        return
    allowed = RESTRICTED_CAPABILITIES | set(opts["allowedCapabilities"])
    for c in pod.containers:
        drop = pod.ctx(c, "capabilities", "drop")
        if drop is not UNKNOWN and "ALL" not in as_list(drop):
            pod.out.add(f"{pod.who}: {c.title} does not drop all capabilities "
                        f"({pod.where(c, 'capabilities', 'drop')} lacks 'ALL'). Set "
                        f"capabilities.drop: [ALL].")
        extra = sorted(set(_added(pod, c)) - allowed)
        if extra:
            pod.out.add(f"{pod.who}: {c.title} adds capabilities {', '.join(extra)} "
                        f"({pod.where(c, 'capabilities', 'add')}); the restricted profile allows "
                        f"only NET_BIND_SERVICE. Remove them, or allow them in the policy config "
                        f"(allowedCapabilities).")


def privilege_escalation(pod: Pod, opts: dict[str, Any]) -> None:
    if pod.windows:
        return
    for c in pod.containers:
        value = pod.ctx(c, "allowPrivilegeEscalation")
        if value is not False and value is not UNKNOWN:
            pod.out.add(f"{pod.who}: {c.title} allows privilege escalation "
                        f"({pod.where(c, 'allowPrivilegeEscalation')} is not false), so setuid "
                        f"binaries can gain root. Set allowPrivilegeEscalation: false.")


def proc_mount(pod: Pod, opts: dict[str, Any]) -> None:
    for c in pod.containers:
        value = pod.ctx(c, "procMount")
        if value not in (None, "Default", UNKNOWN):
            pod.out.add(f"{pod.who}: {c.title} mounts /proc unmasked "
                        f"({pod.where(c, 'procMount')} is {value!r}). Remove procMount or set "
                        f"it to Default.")


def read_only_root_filesystem(pod: Pod, opts: dict[str, Any]) -> None:
    for c in pod.containers:
        value = pod.ctx(c, "readOnlyRootFilesystem")
        if value is not True and value is not UNKNOWN:
            pod.out.add(f"{pod.who}: {c.title} has a writable root filesystem "
                        f"({pod.where(c, 'readOnlyRootFilesystem')} is not true). Set "
                        f"readOnlyRootFilesystem: true and mount an emptyDir where it writes.")
