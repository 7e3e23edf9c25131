"""The pack's analyzer: pulumi-policy's, plus two things the engine needs from the config.

pulumi-policy 1.21.0 reports each policy's *declared* enforcement level to the engine, not
the configured one, so a rule set to ``disabled`` in the config file was still listed by the
engine as a policy that ran and passed. And it hands each policy only its own config entry,
so a group key (rules.groups) would be dropped. This subclass of its (private) servicer
resolves the group keys when the engine configures the pack, and afterwards reports every
policy with its configured level. pulumi-policy is pinned (policy/requirements.txt,
pyproject.toml); tests/policy/test_analyzer.py drives this class through the real gRPC
messages, so an upgrade that changes the servicer fails there first.
"""

from __future__ import annotations

from typing import Any, Final

from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import policy as _policy

from rules import groups

_LEVELS: Final = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
_NAMES: Final = {number: name for name, number in _LEVELS.items()}

_Servicer: Any = _policy._PolicyAnalyzerServicer  # private: see the module docstring


class SlipwayAnalyzer(_Servicer):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.configured: dict[str, str] | None = None  # policy name -> level, once configured

    def Configure(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC method name
        levels = {name: _NAMES[entry.enforcementLevel]
                  for name, entry in request.policyConfig.items()}
        resolved = groups.resolve(levels)
        for name, level in resolved.items():
            request.policyConfig[name].enforcementLevel = _LEVELS[level]
        self.configured = {**levels, **resolved}
        return super().Configure(request, context)

    def GetAnalyzerInfo(self, request: Any, context: Any) -> Any:  # noqa: N802
        info = super().GetAnalyzerInfo(request, context)
        for policy in info.policies:
            if self.configured is None:
                if policy.name in groups.GROUPED:
                    policy.enforcementLevel = _LEVELS[groups.NOT_SET]
            elif policy.name in self.configured:
                policy.enforcementLevel = _LEVELS[self.configured[policy.name]]
        return info


def install() -> None:
    """Make pulumi_policy.PolicyPack serve through SlipwayAnalyzer (call before PolicyPack)."""
    _policy._PolicyAnalyzerServicer = SlipwayAnalyzer  # type: ignore[misc]
