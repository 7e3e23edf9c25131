"""A Pod Security Standards control as a rule of its own: name, profile, check, settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from rules.config import settings
from rules.k8s import Violations
from rules.pod_security.pod import Pod, read_pod

PREFIX: Final = "slipway-k8s-workload-"
BASELINE: Final = "baseline"
RESTRICTED: Final = "restricted"
SLIPWAY: Final = "slipway"  # beyond the standard: Slipway's own hardening


@dataclass(frozen=True)
class Control:
    """One control: ``inspect(pod, settings)`` adds a message per violation to ``pod.out``."""

    rule: str
    profile: str
    severity: str
    description: str
    inspect: Callable[[Pod, dict[str, Any]], None]
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def check(self, props: Mapping[str, Any], config: Mapping[str, Any] | None = None
              ) -> Violations:
        opts = settings(self.rule, config, self.defaults)
        out = Violations()
        pod = read_pod(props, out)
        if pod is not None:
            self.inspect(pod, opts)
        return out
