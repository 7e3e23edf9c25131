"""Kubernetes resource quantities ("200m", "1", "512Mi", "1G") as numbers we can compare.

Only the suffixes Kubernetes accepts for CPU and memory are understood; anything else is a
ValueError whose message lists what would be valid.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
            "k": Decimal(10**3), "M": Decimal(10**6), "G": Decimal(10**9), "T": Decimal(10**12),
            "P": Decimal(10**15), "E": Decimal(10**18)}
_QUANTITY = re.compile(r"^(?P<number>[0-9]+(\.[0-9]+)?)(?P<suffix>[a-zA-Z]*)$")

CPU_HELP = "a CPU quantity such as 250m, 0.5 or 2"
MEMORY_HELP = "a memory quantity such as 128Mi, 1Gi or 500M"


def parse_quantity(text: str, help_text: str) -> Decimal:
    """Return the quantity in base units (cores or bytes); raise ValueError naming valid forms."""
    match = _QUANTITY.match(str(text).strip())
    if not match:
        raise ValueError(f"must be {help_text} (got {text!r})")
    suffix = match.group("suffix")
    try:
        number = Decimal(match.group("number"))
    except InvalidOperation as err:  # pragma: no cover - the regex already guarantees digits
        raise ValueError(f"must be {help_text} (got {text!r})") from err
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    raise ValueError(f"must be {help_text}; unknown suffix {suffix!r} (got {text!r})")


def cpu(text: str) -> Decimal:
    value = parse_quantity(text, CPU_HELP)
    if value <= 0:
        raise ValueError(f"must be {CPU_HELP} above zero (got {text!r})")
    return value


def memory(text: str) -> Decimal:
    value = parse_quantity(text, MEMORY_HELP)
    if value < 2**20:
        raise ValueError(f"must be {MEMORY_HELP} of at least 1Mi (got {text!r})")
    return value
