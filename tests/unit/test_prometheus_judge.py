"""The gate's verdict and queries, without a Prometheus (the real one: integration tests)."""

from __future__ import annotations

import math

import pytest

from slipway.spec.slo import Slo
from slipway.tooling.prometheus import TrackHealth, judge, percent, queries


def health(rps: float = 20.0, errors: float | None = 0.0,
           latency: float | None = 100.0) -> TrackHealth:
    return TrackHealth(requests_per_second=rps, error_rate=errors, latency_ms=latency,
                       track="canary")


def test_within_budget_and_threshold_is_healthy() -> None:
    verdict = judge(health(errors=0.001, latency=500.0), Slo())
    assert verdict.healthy
    assert verdict.breaches == []


def test_error_rate_over_budget_names_both_numbers() -> None:
    verdict = judge(health(errors=0.048), Slo())
    assert not verdict.healthy
    assert verdict.breaches == [
        "canary error rate 4.80% > 0.10% allowed by availability 99.9%"]


def test_tiny_budgets_keep_their_digits() -> None:
    slo = Slo.model_validate({"availability": 99.995})
    assert judge(health(errors=0.0001), slo).breaches == [
        "canary error rate 0.01% > 0.005% allowed by availability 99.995%"]
    assert percent(0.0) == "0.00%"


def test_latency_over_threshold_uses_the_slo_percentile() -> None:
    slo = Slo.model_validate({"latency": {"thresholdMs": 300, "percent": 99}})
    assert judge(health(latency=812.4), slo).breaches == [
        "canary p99 latency 812 ms > 300 ms threshold"]


def test_latency_beyond_the_largest_bucket_breaches() -> None:
    assert judge(health(latency=math.inf), Slo()).breaches == [
        "canary p95 latency is above the largest histogram bucket > 500 ms threshold"]


def test_no_traffic_is_not_healthy() -> None:
    verdict = judge(health(rps=0.0, errors=None, latency=None), Slo())
    assert not verdict.healthy
    assert verdict.breaches == [
        "canary had 0.00 requests/s, below the 1.00 requests/s needed to judge it: "
        "no verdict without traffic"]


def test_too_little_traffic_is_not_healthy_and_the_minimum_is_a_knob() -> None:
    assert not judge(health(rps=0.5), Slo()).healthy
    assert judge(health(rps=0.5), Slo(), min_requests_per_second=0.2).healthy


def test_traffic_without_latency_data_is_not_healthy() -> None:
    assert judge(health(latency=None), Slo()).breaches == [
        "canary has no p95 latency (http_request_duration_seconds_bucket missing): "
        "no verdict without latency data"]


def test_every_breach_is_listed() -> None:
    hand_built = TrackHealth(requests_per_second=0.5, error_rate=0.5, latency_ms=900.0)
    assert judge(hand_built, Slo()).breaches == [
        "track had 0.50 requests/s, below the 1.00 requests/s needed to judge it: "
        "no verdict without traffic",
        "track error rate 50.00% > 0.10% allowed by availability 99.9%",
        "track p95 latency 900 ms > 500 ms threshold",
    ]


def test_queries_select_the_track_and_the_window() -> None:
    assert queries("shop", "orders", "canary", "1m", 95) == {
        "total": 'sum(rate(http_requests_total{namespace="shop",service="orders",'
                 'track="canary"}[1m]))',
        "errors": 'sum(rate(http_requests_total{namespace="shop",service="orders",'
                  'track="canary",code=~"5.."}[1m]))',
        "latency": 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_'
                   'bucket{namespace="shop",service="orders",track="canary"}[1m]))) * 1000',
    }


def test_label_values_are_escaped() -> None:
    assert 'service="a\\"b"' in queries("shop", 'a"b', "canary", "1m", 95)["total"]


@pytest.mark.parametrize(("window", "percentile", "message"), [
    ("5 minutes", 95, "window '5 minutes' is not a Prometheus duration; use e.g. 30s, 1m, 5m"),
    ("1m", 100, "percentile (100) must be between 0 and 100, e.g. 95 for p95"),
])
def test_bad_window_or_percentile_is_refused(window: str, percentile: float,
                                            message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)")):
        queries("shop", "orders", "canary", window, percentile)
