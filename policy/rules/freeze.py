"""Freeze windows: no updates to the frozen stacks while a window is open."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from rules.config import ConfigError, settings
from rules.k8s import Violations

RULE: Final = "slipway-k8s-stack-freeze-window"
URN_PREFIX: Final = "urn:pulumi:"
DESCRIPTION: Final = (
    "No update reaches a frozen stack (prod by default) while one of the configured freeze "
    "windows is open."
)
DEFAULTS: Final[dict[str, Any]] = {
    "stacks": ["prod"],
    # [{"start": "2026-12-18T00:00:00Z", "end": "2027-01-04T00:00:00Z", "reason": "..."}]
    "windows": [],
}


def _instant(window: int, field: str, raw: Any) -> datetime:
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ConfigError(
            f"policy config for {RULE}: windows[{window}].{field} ({raw!r}) is not an ISO 8601 "
            f"date-time with a time zone, e.g. \"2026-12-18T00:00:00Z\"."
        )
    return value


def windows(config: Mapping[str, Any] | None) -> list[tuple[datetime, datetime, str]]:
    opts = settings(RULE, config, DEFAULTS)
    found = []
    for index, window in enumerate(opts["windows"]):
        if not isinstance(window, dict):
            raise ConfigError(f"policy config for {RULE}: windows[{index}] must be an object "
                              f"with start, end and reason.")
        start = _instant(index, "start", window.get("start"))
        end = _instant(index, "end", window.get("end"))
        reason = window.get("reason")
        if end <= start:
            raise ConfigError(f"policy config for {RULE}: windows[{index}] ends before it starts.")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"policy config for {RULE}: windows[{index}] needs a reason.")
        found.append((start, end, reason.strip()))
    return found


def stack_of(resources: Iterable[Any]) -> str | None:
    """The stack being updated, read from its resources' URNs.

    The engine names every resource ``urn:pulumi:<stack>::<project>::<type>::<name>`` from the
    stack it is updating; a program cannot choose that part, so it tells the stack for sure.
    None when there is no resource to read it from, or (never seen) the URNs disagree.
    """
    found = {str(urn).split("::", 1)[0].removeprefix(URN_PREFIX)
             for urn in (getattr(r, "urn", None) for r in resources)
             if isinstance(urn, str) and urn.startswith(URN_PREFIX) and "::" in urn}
    return found.pop() if len(found) == 1 else None


def check_freeze(
    resources: Iterable[Any],
    config: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Violations:
    """Refuse the update when the stack the resources belong to is frozen at ``now``.

    When the stack cannot be told (no resources), the freeze applies: the pack's prod config
    is what enables this rule, so failing closed errs toward the frozen stack.
    """
    opts = settings(RULE, config, DEFAULTS)
    open_windows = windows(config)
    out = Violations()
    stack = stack_of(list(resources))
    if stack is not None and stack not in opts["stacks"]:
        return out
    now = now or datetime.now(UTC)
    name = f"stack '{stack}'" if stack else "this stack"
    for start, end, reason in open_windows:
        if start <= now < end:
            out.add(
                f"Updates to {name} are refused during the freeze from {start.isoformat()} to "
                f"{end.isoformat()} ({reason}). Wait until the window closes, or have the "
                f"freeze window changed in the policy config for an approved emergency change."
            )
    return out
