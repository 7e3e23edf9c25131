"""Config keys that set the enforcement level of a group of rules at once.

A policy config file may set ``"slipway-k8s-workload-pod-security": "mandatory"`` (or
``{"enforcementLevel": "mandatory"}``) instead of listing every Pod Security Standards rule.
Precedence, most specific first: a rule's own entry, then its profile's group
(``...-pod-security-baseline`` / ``...-pod-security-restricted``), then the group of all
pod-security rules, then the pack's default (advisory). Pulumi's own ``all`` key sets every
rule and so beats the groups. A group carries only an enforcement level, no settings.

The engine reconciles the config file with the pack's defaults before the pack sees it, so a
rule the file does not mention arrives with its default level, like one the file set to that
same level. To tell them apart, the pack reports the grouped rules with a level it never
uses, ``remediate``, until it is configured (rules.analyzer): a grouped rule still at
``remediate`` was not set by the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from rules.pod_security import CONTROLS
from rules.pod_security.control import BASELINE, RESTRICTED

POD_SECURITY: Final = "slipway-k8s-workload-pod-security"
GROUPS: Final[dict[str, frozenset[str]]] = {
    f"{POD_SECURITY}-baseline": frozenset(c.rule for c in CONTROLS if c.profile == BASELINE),
    f"{POD_SECURITY}-restricted": frozenset(c.rule for c in CONTROLS if c.profile == RESTRICTED),
    POD_SECURITY: frozenset(c.rule for c in CONTROLS),
}
GROUPED: Final = frozenset().union(*GROUPS.values())
NOT_SET: Final = "remediate"  # the marker level of a grouped rule the config did not set
DEFAULT: Final = "advisory"


class GroupError(ValueError):
    """A group key set to a level groups cannot carry."""


def check(levels: Mapping[str, str]) -> None:
    """Refuse ``disabled`` on a group key.

    The engine keeps its own list of each rule's level, from the config it sent, and leaves
    rules at ``disabled`` out of its policy summaries; a rule disabled through a group would
    not be disabled in that list and would be shown as having run and passed. Disabling is
    therefore done rule by rule, by name.
    """
    for group in GROUPS:
        if levels.get(group) == "disabled":
            raise GroupError(
                f"policy config: '{group}' is set to disabled, but a group key can only set "
                f"advisory or mandatory. Disable each rule by its own name (e.g. "
                f"'{sorted(GROUPS[group])[0]}': \"disabled\") so the engine shows it disabled."
            )


def resolve(levels: Mapping[str, str]) -> dict[str, str]:
    """The level of every grouped rule, from the reconciled ``levels`` (name -> level).

    ``levels`` holds rules and group keys as the engine passed them; a grouped rule at
    ``NOT_SET`` was not set by the file. Groups are listed most specific first in GROUPS.
    """
    resolved: dict[str, str] = {}
    for rule in sorted(GROUPED):
        level = levels.get(rule, NOT_SET)
        if level == NOT_SET:
            level = next((levels[g] for g, members in GROUPS.items()
                          if rule in members and levels.get(g, NOT_SET) != NOT_SET), DEFAULT)
        resolved[rule] = level
    return resolved
