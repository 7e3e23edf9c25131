"""SLO burn-rate expressions against hand-computed values (Google SRE workbook, chapter 5)."""

from __future__ import annotations

import re

import pytest

from slipway import slo_alerts
from slipway.spec.slo import Slo

NS, SVC = "slipway-prod", "orders"


def alerts(slo: Slo) -> list[dict[str, object]]:
    return slo_alerts.alert_rules(slo, NS, SVC)


def test_windows_are_the_workbook_s_four_pairs() -> None:
    pairs = [(w.severity, w.factor, w.long_window, w.short_window)
             for w in slo_alerts.BURN_RATE_WINDOWS]
    assert pairs == [("page", 14.4, "1h", "5m"), ("page", 6.0, "6h", "30m"),
                     ("ticket", 3.0, "1d", "2h"), ("ticket", 1.0, "3d", "6h")]


def test_recording_windows_are_sorted_by_length() -> None:
    assert slo_alerts.windows() == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]


@pytest.mark.parametrize(("factor", "budget", "expected"), [
    (14.4, 0.001, "0.0144"),   # 99.9%: 14.4 x 0.1%
    (6.0, 0.001, "0.006"),
    (3.0, 0.001, "0.003"),
    (1.0, 0.001, "0.001"),
    (14.4, 0.0005, "0.0072"),  # 99.95%
    (14.4, 0.01, "0.144"),     # 99%
    (14.4, 0.05, "0.72"),      # p95 latency: 5% may be slow
    (6.0, 0.05, "0.3"),
    (3.0, 0.05, "0.15"),
    (1.0, 0.05, "0.05"),
])
def test_thresholds_are_factor_times_budget_without_float_noise(
        factor: float, budget: float, expected: str) -> None:
    assert slo_alerts.number(slo_alerts.threshold(factor, budget)) == expected


def test_default_availability_alerts_use_the_hand_computed_thresholds() -> None:
    rules = [r for r in alerts(Slo()) if r["alert"] == "SlipwayAvailabilityBudgetBurn"]
    sel = '{namespace="slipway-prod",service="orders"}'
    assert [r["expr"] for r in rules] == [
        f"slipway_slo:availability_errors:ratio_rate1h{sel} > 0.0144 and "
        f"slipway_slo:availability_errors:ratio_rate5m{sel} > 0.0144",
        f"slipway_slo:availability_errors:ratio_rate6h{sel} > 0.006 and "
        f"slipway_slo:availability_errors:ratio_rate30m{sel} > 0.006",
        f"slipway_slo:availability_errors:ratio_rate1d{sel} > 0.003 and "
        f"slipway_slo:availability_errors:ratio_rate2h{sel} > 0.003",
        f"slipway_slo:availability_errors:ratio_rate3d{sel} > 0.001 and "
        f"slipway_slo:availability_errors:ratio_rate6h{sel} > 0.001",
    ]
    assert [r["labels"]["severity"] for r in rules] == ["page", "page", "ticket", "ticket"]  # type: ignore[index]


def test_latency_alerts_follow_the_latency_budget() -> None:
    slo = Slo.model_validate({"latency": {"thresholdMs": 300, "percent": 99}})
    rules = [r for r in alerts(slo) if r["alert"] == "SlipwayLatencyBudgetBurn"]
    # 1% may be slower than 300 ms: 14.4 x 0.01 = 0.144, 6 x 0.01 = 0.06, ...
    limits = [re.findall(r"> ([0-9.]+)", str(r["expr"])) for r in rules]
    assert limits == [["0.144", "0.144"], ["0.06", "0.06"], ["0.03", "0.03"],
                      ["0.01", "0.01"]]


def test_availability_99_95_pages_at_0_72_percent() -> None:
    rules = alerts(Slo(availability=99.95))
    assert "> 0.0072 and" in str(rules[0]["expr"])
    assert rules[0]["labels"]["burn_rate"] == "14.4"  # type: ignore[index]


def test_error_ratio_counts_5xx_over_every_request() -> None:
    assert slo_alerts.error_ratio(NS, SVC, "5m") == (
        'sum by (namespace, service) (rate(http_requests_total{namespace="slipway-prod",'
        'service="orders",code=~"5.."}[5m])) / sum by (namespace, service) '
        '(rate(http_requests_total{namespace="slipway-prod",service="orders"}[5m]))'
    )


@pytest.mark.parametrize(("threshold_ms", "le"), [
    (500, "0.5"), (300, "0.3"), (1000, "1"), (250, "0.25"), (2500, "2.5"), (60000, "60"),
])
def test_latency_threshold_becomes_the_bucket_bound_in_seconds(threshold_ms: int,
                                                              le: str) -> None:
    assert slo_alerts.le_label(threshold_ms) == le


def test_slow_ratio_is_one_minus_fast_over_all_buckets() -> None:
    expr = slo_alerts.slow_ratio(NS, SVC, 500, "1h")
    assert expr.startswith("1 - (sum by (namespace, service) (rate("
                           "http_request_duration_seconds_bucket{")
    assert 'le="0.5"}[1h]' in expr
    assert 'le="+Inf"}[1h]' in expr


def test_recording_rules_cover_every_window_for_both_objectives() -> None:
    records = [r["record"] for r in slo_alerts.recording_rules(Slo(), NS, SVC)]
    assert len(records) == 14
    assert "slipway_slo:availability_errors:ratio_rate3d" in records
    assert "slipway_slo:latency_slow:ratio_rate5m" in records
    every_alert_reads = {name for r in alerts(Slo())
                         for name in re.findall(r"(slipway_slo:[a-z_]+:ratio_rate\w+)",
                                                str(r["expr"]))}
    assert every_alert_reads <= set(records)


def test_rule_groups_put_ratios_before_alerts() -> None:
    groups = slo_alerts.rule_groups(Slo(), NS, SVC)
    assert [g["name"] for g in groups] == ["slipway-orders-slo-ratios",
                                           "slipway-orders-slo-alerts"]
    assert len(groups[1]["rules"]) == 8


def test_alert_description_states_objective_and_threshold() -> None:
    rule = alerts(Slo())[0]
    description = rule["annotations"]["description"]  # type: ignore[index]
    assert "99.9% of requests without a 5xx over 30 days" in description
    assert "above 0.0144 (14.4 x budget 0.001)" in description
