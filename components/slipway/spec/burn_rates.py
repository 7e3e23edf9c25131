"""The burn-rate alerts every SLO gets (Google SRE workbook, "Alerting on SLOs").

Declared here, with the spec, because the spec refuses objectives whose alerts could never
fire (slo.py); slipway.slo_alerts turns them into Prometheus rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["page", "ticket"]


@dataclass(frozen=True)
class BurnRateWindow:
    """One alert: burn faster than `factor` over both windows."""

    severity: Severity
    factor: float
    long_window: str
    short_window: str


# The workbook's recommendation for a 30-day SLO (table "Recommended parameters").
BURN_RATE_WINDOWS: tuple[BurnRateWindow, ...] = (
    BurnRateWindow("page", 14.4, "1h", "5m"),
    BurnRateWindow("page", 6.0, "6h", "30m"),
    BurnRateWindow("ticket", 3.0, "1d", "2h"),
    BurnRateWindow("ticket", 1.0, "3d", "6h"),
)


def threshold(factor: float, budget: float) -> float:
    """The ratio of bad requests at which the budget burns `factor` times too fast."""
    return round(factor * budget, 10)


def unreachable(budget: float) -> list[BurnRateWindow]:
    """The alerts that can never fire with this budget: a ratio of bad requests is at most 1,
    so `ratio > factor x budget` is never true once factor x budget >= 1."""
    return [w for w in BURN_RATE_WINDOWS if threshold(w.factor, budget) >= 1]
