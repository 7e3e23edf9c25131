"""The pack's analyzer: pulumi-policy's, plus the group keys of the config (rules.groups).

pulumi-policy 1.21.0 hands each policy only its own config entry, so a group key would be
dropped. This subclass of its (private) servicer reports the grouped rules with the marker
level until the engine configures the pack, then resolves the group keys in ``Configure``
(refusing ``disabled`` on a group: see rules.groups.check) and afterwards reports every
policy with its configured level, as the engine's own cache of them does. pulumi-policy is
pinned (policy/requirements.txt, pyproject.toml); tests/policy/test_analyzer.py drives this
class through the real gRPC messages, so an upgrade that changes the servicer fails there.
"""

from __future__ import annotations

from typing import Any, Final

import grpc  # type: ignore[import-untyped]
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
        try:
            groups.check(levels)
        except groups.GroupError as error:
            if context is None:
                raise
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
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
