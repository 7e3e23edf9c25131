"""The restricted volume types: only volumes that need no node access or privileges."""

from __future__ import annotations

from typing import Any, Final

from rules.k8s import as_list, fmt, is_unknown
from rules.pod_security.pod import Pod

ALLOWED_TYPES: Final = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                                  "persistentVolumeClaim", "projected", "secret"})


def volume_types(pod: Pod, opts: dict[str, Any]) -> None:
    for index, volume in enumerate(as_list(pod.field("volumes"))):
        where = fmt((*pod.spec_path, "volumes", index))
        if is_unknown(volume):
            pod.out.defer(where)
            continue
        if not isinstance(volume, dict):
            continue
        sources = sorted(k for k, v in volume.items() if k != "name" and v is not None)
        bad = [s for s in sources if s not in ALLOWED_TYPES]
        if bad:
            pod.out.add(f"{pod.who}: volume '{volume.get('name', index)}' is of type "
                        f"{', '.join(bad)} ({where}), which the restricted profile does not "
                        f"allow. Use one of {', '.join(sorted(ALLOWED_TYPES))}.")
