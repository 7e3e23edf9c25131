"""Durations on the command line (`--since 30d`, `--ttl 7d`, `--older-than 12h`)."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^([1-9][0-9]*)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str, option: str = "duration") -> timedelta:
    """`30m`, `12h`, `7d`, `2w` -> timedelta; `option` names the flag in the error."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"{option} must be a number and a unit m, h, d or w, e.g. 7d "
                         f"(got {text!r})")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})
