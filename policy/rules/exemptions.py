"""Exemptions: a resource opts out of one rule, with a reason and an expiry date.

Format (an annotation in the resource's own ``metadata.annotations``)::

    slipway.dev/exempt.<rule-name>: '{"reason": "vendor image, SEC-123", "expires": "2026-03-31"}'

An exemption holds through its expiry date (inclusive), and only when that date is at most
``maxDays`` ahead. One that is expired, too far ahead, has no reason, is not valid JSON, names
no known rule or has a bad date does not exempt anything, and is itself a violation of
``slipway-k8s-resource-exemptions``.

``maxDays`` is that rule's setting, but every rule asks ``is_exempt``: the pack runs the
exemption rule first on each resource and ``configure`` records its setting for the others
(the default when the rule is disabled or its setting is wrong).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from rules.config import ConfigError, settings
from rules.groups import GROUPS
from rules.k8s import Violations, as_dict, fmt, is_unknown, label, lookup

PREFIX: Final = "slipway.dev/exempt."
RULE: Final = "slipway-k8s-resource-exemptions"
DESCRIPTION: Final = (
    "Every exemption annotation names a known rule, gives a reason and an expiry date that has "
    "not passed and is no further ahead than the configured maximum."
)
DEFAULTS: Final[dict[str, Any]] = {"maxDays": 180}


@dataclass(frozen=True)
class Exemption:
    rule: str
    reason: str
    expires: date | None
    problem: str | None


def _parse(rule: str, raw: Any) -> Exemption:
    if not isinstance(raw, str):
        return Exemption(rule, "", None, "is not a string")
    try:
        body = json.loads(raw)
    except ValueError:
        return Exemption(rule, "", None, "is not JSON")
    if not isinstance(body, dict):
        return Exemption(rule, "", None, "is not a JSON object")
    reason = body.get("reason")
    reason = reason.strip() if isinstance(reason, str) else ""
    expires_raw = body.get("expires")
    try:
        expires = date.fromisoformat(expires_raw) if isinstance(expires_raw, str) else None
    except ValueError:
        expires = None
    problem = None
    if expires is None:
        problem = f"has no valid expiry date (got {json.dumps(expires_raw)})"
    elif not reason:
        problem = "gives no reason"
    return Exemption(rule, reason, expires, problem)


def exemptions(props: Mapping[str, Any]) -> list[Exemption]:
    annotations = as_dict(lookup(props, ("metadata", "annotations")))
    return [
        _parse(key[len(PREFIX) :], value)
        for key, value in annotations.items()
        if key.startswith(PREFIX) and not is_unknown(value)
    ]


class _Limit:
    max_days: int = DEFAULTS["maxDays"]


LIMIT: Final = _Limit()


def configure(config: Mapping[str, Any] | None) -> None:
    """Record the exemption rule's maxDays, which every rule's ``is_exempt`` honours."""
    try:
        LIMIT.max_days = settings(RULE, config, DEFAULTS)["maxDays"]
    except ConfigError:  # reported by the exemption rule itself
        LIMIT.max_days = DEFAULTS["maxDays"]


def is_exempt(
    props: Mapping[str, Any], rule: str, today: date | None = None, max_days: int | None = None
) -> bool:
    """Whether ``props`` carries a valid exemption from ``rule`` that holds ``today``: not
    expired, and expiring no more than ``max_days`` (default: the recorded maxDays) ahead."""
    today = today or date.today()
    limit = LIMIT.max_days if max_days is None else max_days
    return any(
        e.rule == rule and e.problem is None and e.expires is not None
        and today <= e.expires and (e.expires - today).days <= limit
        for e in exemptions(props)
    )


def check_exemptions(
    props: Mapping[str, Any],
    config: Mapping[str, Any] | None,
    known_rules: Collection[str],
    today: date | None = None,
) -> Violations:
    opts = settings(RULE, config, DEFAULTS)
    today = today or date.today()
    out = Violations()
    annotations = lookup(props, ("metadata", "annotations"))
    if is_unknown(annotations):
        out.defer("metadata.annotations")
        return out
    for key, value in as_dict(annotations).items():
        if key.startswith(PREFIX) and is_unknown(value):
            out.defer(fmt(("metadata", "annotations", key)))
    who = label(props)
    for e in exemptions(props):
        field = f"metadata.annotations['{PREFIX}{e.rule}']"
        fix = (
            'Set it to {"reason": "<why>", "expires": "<YYYY-MM-DD>"} or remove it.'
        )
        if e.rule in GROUPS:
            out.add(f"{who}: {field} names the group '{e.rule}', and an exemption covers one "
                    f"rule. Name each rule it needs, e.g. "
                    f"'{PREFIX}{sorted(GROUPS[e.rule])[0]}', so it exempts nothing else.")
        elif e.rule not in known_rules:
            out.add(f"{who}: {field} exempts from '{e.rule}', which is not a rule of this "
                    f"pack. Use one of the pack's rule names or remove the annotation.")
        elif e.problem is not None:
            out.add(f"{who}: exemption {field} {e.problem}, so it exempts nothing. {fix}")
        elif e.expires is not None and e.expires < today:
            out.add(f"{who}: exemption {field} expired on {e.expires.isoformat()}, so "
                    f"'{e.rule}' applies again. Fix the resource, or renew the exemption "
                    f"with a new expiry date and reason.")
        elif e.expires is not None and (e.expires - today).days > opts["maxDays"]:
            out.add(f"{who}: exemption {field} expires on {e.expires.isoformat()}, more than "
                    f"{opts['maxDays']} days ahead, so it exempts nothing. Choose an expiry "
                    f"date within {opts['maxDays']} days.")
    return out
