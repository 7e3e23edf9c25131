"""The Kubernetes Pod Security Standards, one rule per control.

Every control of the baseline and restricted profiles (kubernetes.io/docs/concepts/security/
pod-security-standards), plus Slipway's read-only root filesystem, is its own policy
``slipway-k8s-workload-<control>`` with its own enforcement level, settings and exemptions.
Each checks every kind that holds a pod (rules.k8s lists them) and every container, init
container and ephemeral container in it (rules.pod_security.pod reads them).

The config key ``slipway-k8s-workload-pod-security`` (and ``...-pod-security-baseline`` /
``...-pod-security-restricted``) sets the level of all of them at once; see rules.groups.
"""

from __future__ import annotations

from typing import Final

from rules.pod_security import host, identity, privilege, profiles, volumes
from rules.pod_security.control import BASELINE, PREFIX, RESTRICTED, SLIPWAY, Control

CONTROLS: Final[list[Control]] = [
    # Baseline: known privilege escalations.
    Control(f"{PREFIX}host-process", BASELINE, "critical",
            "No pod or container runs as a Windows HostProcess.", host.host_process),
    Control(f"{PREFIX}host-namespaces", BASELINE, "high",
            "No pod shares the node's network, PID or IPC namespace.", host.host_namespaces),
    Control(f"{PREFIX}privileged", BASELINE, "critical",
            "No container runs privileged.", privilege.privileged),
    Control(f"{PREFIX}capabilities-baseline", BASELINE, "high",
            "Containers add no Linux capability beyond the baseline set.",
            privilege.capabilities_baseline),
    Control(f"{PREFIX}host-path-volumes", BASELINE, "high",
            "No pod mounts a hostPath volume.", host.host_path_volumes),
    Control(f"{PREFIX}host-ports", BASELINE, "high",
            "No container binds a host port, unless the policy config allows that port.",
            host.host_ports, {"allowedHostPorts": []}),
    Control(f"{PREFIX}apparmor", BASELINE, "high",
            "No pod or container overrides AppArmor with an unconfined or unknown profile.",
            profiles.apparmor),
    Control(f"{PREFIX}selinux", BASELINE, "high",
            "No pod or container sets a custom SELinux user or role, or a type outside the "
            "container types.", profiles.selinux),
    Control(f"{PREFIX}proc-mount", BASELINE, "high",
            "No container mounts /proc unmasked.", privilege.proc_mount),
    Control(f"{PREFIX}seccomp-baseline", BASELINE, "high",
            "No pod or container sets the Unconfined seccomp profile.",
            profiles.seccomp_baseline),
    Control(f"{PREFIX}sysctls", BASELINE, "high",
            "Pods set only safe, namespaced sysctls.", profiles.sysctls,
            {"allowedSysctls": []}),
    # Restricted: current pod hardening best practice.
    Control(f"{PREFIX}volume-types", RESTRICTED, "medium",
            "Pods use only configMap, csi, downwardAPI, emptyDir, ephemeral, "
            "persistentVolumeClaim, projected and secret volumes.", volumes.volume_types),
    Control(f"{PREFIX}privilege-escalation", RESTRICTED, "high",
            "Every container sets allowPrivilegeEscalation: false.",
            privilege.privilege_escalation),
    Control(f"{PREFIX}run-as-non-root", RESTRICTED, "high",
            "Every container runs with runAsNonRoot: true (its own or the pod's).",
            identity.run_as_non_root),
    Control(f"{PREFIX}run-as-non-root-user", RESTRICTED, "high",
            "No pod or container sets runAsUser to 0.", identity.run_as_non_root_user),
    Control(f"{PREFIX}non-root-groups", RESTRICTED, "medium",
            "No pod or container runs with, or adds, the root group (GID 0).",
            identity.non_root_groups),
    Control(f"{PREFIX}seccomp-restricted", RESTRICTED, "high",
            "Every container runs with the RuntimeDefault or a Localhost seccomp profile (its "
            "own or the pod's).", profiles.seccomp_restricted),
    Control(f"{PREFIX}capabilities-restricted", RESTRICTED, "high",
            "Every container drops ALL capabilities and adds back at most NET_BIND_SERVICE.",
            privilege.capabilities_restricted, {"allowedCapabilities": []}),
    # Beyond the standard.
    Control(f"{PREFIX}read-only-root-filesystem", SLIPWAY, "medium",
            "Every container keeps a read-only root filesystem.",
            privilege.read_only_root_filesystem),
]
