"""Pod security: the restricted profile, checked container by container."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any, Final

from rules.config import settings
from rules.k8s import (
    UNKNOWN,
    WORKLOAD_KINDS,
    Path,
    Violations,
    as_dict,
    as_list,
    containers,
    fmt,
    get,
    kind_of,
    label,
    pod_spec_path,
)

RULE: Final = "slipway-k8s-workload-pod-security"
DESCRIPTION: Final = (
    "Every pod runs as non-root without privilege escalation or privileged containers, shares "
    "no host network, PID or IPC namespace, mounts no hostPath, keeps a read-only root "
    "filesystem, drops all capabilities and sets a seccomp profile."
)
DEFAULTS: Final[dict[str, Any]] = {
    # Capabilities a container may add back after dropping ALL, e.g. ["NET_BIND_SERVICE"].
    "allowedCapabilities": [],
}
_NAMESPACES: Final = {"hostNetwork": "network", "hostPID": "PID", "hostIPC": "IPC"}
_SECCOMP_OK: Final = frozenset({"RuntimeDefault", "Localhost"})


def _field(
    ctx: dict[str, Any], pod_ctx: dict[str, Any], out: Violations, name: str,
    *, ctx_path: Path, pod_path: Path, inherit: bool = True,
) -> Any:
    """A securityContext field, the container's overriding the pod's when ``inherit``."""
    value = get(ctx, (name,), out, ctx_path)
    if value is None and inherit:
        return get(pod_ctx, (name,), out, pod_path)
    return value


def check_pod_security(
    props: Mapping[str, Any], config: Mapping[str, Any] | None = None
) -> Violations:
    opts = settings(RULE, config, DEFAULTS)
    out = Violations()
    kind = kind_of(props)
    if kind not in WORKLOAD_KINDS:
        return out
    who = label(props)
    spec_path = pod_spec_path(kind)
    spec = get(props, spec_path, out)
    if spec is UNKNOWN:
        return out
    spec = as_dict(spec)
    pod_ctx_raw = get(spec, ("securityContext",), out, spec_path)
    pod_ctx = as_dict(pod_ctx_raw)
    for field in _NAMESPACES:
        value = get(spec, (field,), out, spec_path)
        if value is True:
            out.add(f"{who}: {fmt((*spec_path, field))} is true, sharing the node's "
                    f"{_NAMESPACES[field]} namespace. Remove {field} or set it to false.")
    for index, volume in enumerate(as_list(get(spec, ("volumes",), out, spec_path))):
        if isinstance(volume, dict) and volume.get("hostPath") is not None:
            out.add(f"{who}: volume '{volume.get('name', index)}' is a hostPath "
                    f"({fmt((*spec_path, 'volumes', index, 'hostPath'))}). Use an emptyDir, a "
                    f"ConfigMap, a Secret or a PersistentVolumeClaim instead.")
    allowed = set(opts["allowedCapabilities"])
    for c in containers(props, kind, out):
        ctx_path = (*c.path, "securityContext")
        ctx_raw = get(c.spec, ("securityContext",), out, c.path)
        if ctx_raw is UNKNOWN or pod_ctx_raw is UNKNOWN:
            continue
        ctx = as_dict(ctx_raw)
        pod_path = (*spec_path, "securityContext")

        setting = partial(_field, ctx, pod_ctx, out, ctx_path=ctx_path, pod_path=pod_path)

        non_root, user = setting("runAsNonRoot"), setting("runAsUser")
        if user == 0:
            out.add(f"{who}: {c.title} runs as user 0 (runAsUser in {fmt(ctx_path)} or the pod "
                    f"securityContext). Run as a non-zero UID and set runAsNonRoot: true.")
        elif non_root is not True and non_root is not UNKNOWN and user is not UNKNOWN and not (
            isinstance(user, int) and user > 0
        ):
            out.add(f"{who}: {c.title} may run as root ({fmt((*ctx_path, 'runAsNonRoot'))} is "
                    f"not true). Set runAsNonRoot: true on the container or the pod.")
        escalation = setting("allowPrivilegeEscalation", inherit=False)
        if escalation is not False and escalation is not UNKNOWN:
            out.add(f"{who}: {c.title} allows privilege escalation "
                    f"({fmt((*ctx_path, 'allowPrivilegeEscalation'))} is not false). Set "
                    f"allowPrivilegeEscalation: false.")
        if setting("privileged", inherit=False) is True:
            out.add(f"{who}: {c.title} is privileged ({fmt((*ctx_path, 'privileged'))}). Remove "
                    f"privileged: true; grant only the capabilities it needs.")
        read_only = setting("readOnlyRootFilesystem", inherit=False)
        if read_only is not True and read_only is not UNKNOWN:
            out.add(f"{who}: {c.title} has a writable root filesystem "
                    f"({fmt((*ctx_path, 'readOnlyRootFilesystem'))} is not true). Set "
                    f"readOnlyRootFilesystem: true and mount an emptyDir where it writes.")
        caps_path = (*ctx_path, "capabilities")
        drop = get(ctx, ("capabilities", "drop"), out, ctx_path)
        if drop is not UNKNOWN and "ALL" not in as_list(drop):
            out.add(f"{who}: {c.title} does not drop all capabilities "
                    f"({fmt((*caps_path, 'drop'))} lacks 'ALL'). Set capabilities.drop: [ALL].")
        added = get(ctx, ("capabilities", "add"), out, ctx_path)
        extra = sorted(str(a) for a in as_list(added) if a not in allowed)
        if extra:
            out.add(f"{who}: {c.title} adds capabilities {', '.join(extra)} "
                    f"({fmt((*caps_path, 'add'))}). Remove them, or allow them in the policy "
                    f"config (allowedCapabilities).")
        seccomp = setting("seccompProfile")
        seccomp_type = as_dict(seccomp).get("type")
        if seccomp is not UNKNOWN and seccomp_type not in _SECCOMP_OK:
            got = f"type {seccomp_type}" if seccomp_type else "not set"
            where = fmt((*ctx_path, "seccompProfile"))
            out.add(f"{who}: {c.title} has no seccomp profile ({where} "
                    f"{got}, nor on the pod). Set seccompProfile: {{type: RuntimeDefault}} on the "
                    f"pod or the container.")
    return out
