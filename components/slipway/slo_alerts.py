"""Multi-window, multi-burn-rate SLO alerts (Google SRE workbook, "Alerting on SLOs"), as data.

A burn rate of 1 spends exactly the error budget over the SLO window; 14.4 spends 2% of a
30-day budget in one hour. Each alert fires only when both a long window (is it significant?)
and a short window (is it still happening?) burn faster than `factor x error budget`, which
keeps precision high and lets alerts reset quickly once the problem is fixed.

Pure functions returning PrometheusRule `spec.groups` entries; the ServiceMonitor module
creates the resource. Metrics follow the shared contract:
`http_requests_total{namespace, service, track, code}` and
`http_request_duration_seconds_bucket{namespace, service, track, le}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .spec.slo import Slo

Severity = Literal["page", "ticket"]
Objective = Literal["availability", "latency"]


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

RECORD_PREFIX = "slipway_slo"


def windows() -> list[str]:
    """Every window a recording rule is needed for, shortest first."""
    seconds = {"m": 60, "h": 3600, "d": 86400}
    found = {w for alert in BURN_RATE_WINDOWS for w in (alert.long_window, alert.short_window)}
    return sorted(found, key=lambda w: int(w[:-1]) * seconds[w[-1]])


def number(value: float) -> str:
    """A float as PromQL (and Go's %g) writes it: 0.0144, 0.5, 1, 14.4; never 0.0144000001."""
    return format(round(value, 10), ".10g")


def threshold(factor: float, budget: float) -> float:
    """The ratio of bad requests at which the budget burns `factor` times too fast."""
    return round(factor * budget, 10)


def le_label(threshold_ms: int) -> str:
    """The histogram bucket bound for a latency threshold, in seconds (500 ms -> "0.5")."""
    return number(threshold_ms / 1000)


def selector(namespace: str, service: str, *matchers: str) -> str:
    """A label selector for one service, plus extra matchers such as `code=~"5.."`."""
    return "{" + ",".join([f'namespace="{namespace}"', f'service="{service}"', *matchers]) + "}"


def record_name(objective: Objective, window: str) -> str:
    """Recording rule name, e.g. slipway_slo:availability_errors:ratio_rate5m."""
    what = "availability_errors" if objective == "availability" else "latency_slow"
    return f"{RECORD_PREFIX}:{what}:ratio_rate{window}"


def error_ratio(namespace: str, service: str, window: str) -> str:
    """Share of requests answered with a 5xx over the window, all tracks together."""
    bad = selector(namespace, service, 'code=~"5.."')
    every = selector(namespace, service)
    return (f"sum by (namespace, service) (rate(http_requests_total{bad}[{window}])) / "
            f"sum by (namespace, service) (rate(http_requests_total{every}[{window}]))")


def slow_ratio(namespace: str, service: str, threshold_ms: int, window: str) -> str:
    """Share of requests slower than the threshold: 1 - (under the bound / all)."""
    fast = selector(namespace, service, f'le="{le_label(threshold_ms)}"')
    every = selector(namespace, service, 'le="+Inf"')
    metric = "http_request_duration_seconds_bucket"
    return (f"1 - (sum by (namespace, service) (rate({metric}{fast}[{window}])) / "
            f"sum by (namespace, service) (rate({metric}{every}[{window}])))")


def recording_rules(slo: Slo, namespace: str, service: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for window in windows():
        rules.append({"record": record_name("availability", window),
                      "expr": error_ratio(namespace, service, window)})
        rules.append({"record": record_name("latency", window),
                      "expr": slow_ratio(namespace, service, slo.latency.threshold_ms, window)})
    return rules


def burn_rate_expr(objective: Objective, budget: float, window: BurnRateWindow,
                   namespace: str, service: str) -> str:
    """Both windows above factor x budget, e.g. for 99.9% and 14.4: > 0.0144 over 1h and 5m."""
    limit = number(threshold(window.factor, budget))
    where = selector(namespace, service)
    return (f"{record_name(objective, window.long_window)}{where} > {limit} and "
            f"{record_name(objective, window.short_window)}{where} > {limit}")


def alert_rules(slo: Slo, namespace: str, service: str) -> list[dict[str, Any]]:
    budgets: dict[Objective, float] = {"availability": slo.error_budget,
                                       "latency": slo.latency_budget}
    targets: dict[Objective, str] = {
        "availability": f"{number(slo.availability)}% of requests without a 5xx",
        "latency": f"{number(slo.latency.percent)}% of requests under "
                   f"{slo.latency.threshold_ms} ms",
    }
    rules: list[dict[str, Any]] = []
    for objective in ("availability", "latency"):
        name = "SlipwayAvailabilityBudgetBurn" if objective == "availability" \
            else "SlipwayLatencyBudgetBurn"
        for window in BURN_RATE_WINDOWS:
            rules.append({
                "alert": name,
                "expr": burn_rate_expr(objective, budgets[objective], window, namespace,
                                       service),
                "labels": {
                    "severity": window.severity,
                    "slo": objective,
                    "service": service,
                    "namespace": namespace,
                    "burn_rate": number(window.factor),
                    "long_window": window.long_window,
                    "short_window": window.short_window,
                },
                "annotations": {
                    "summary": f"{service} is burning its {objective} error budget "
                               f"{number(window.factor)}x too fast",
                    "description": (
                        f"{service} ({namespace}) targets {targets[objective]} over "
                        f"{slo.window_days} days. Over the last {window.long_window} and "
                        f"{window.short_window} the bad-request ratio is above "
                        f"{number(threshold(window.factor, budgets[objective]))} "
                        f"({number(window.factor)} x budget {number(budgets[objective])})."
                    ),
                },
            })
    return rules


def rule_groups(slo: Slo, namespace: str, service: str) -> list[dict[str, Any]]:
    """PrometheusRule `spec.groups`: the ratios, then the alerts that read them."""
    return [
        {"name": f"slipway-{service}-slo-ratios", "interval": "30s",
         "rules": recording_rules(slo, namespace, service)},
        {"name": f"slipway-{service}-slo-alerts",
         "rules": alert_rules(slo, namespace, service)},
    ]
