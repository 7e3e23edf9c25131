"""The release gate against a real Prometheus scraping synthetic traffic (Debian's binary)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from prometheus_server import MetricsExporter, PrometheusServer, TrafficProfile
from slipway.spec.slo import Slo
from slipway.tooling.prometheus import Prometheus, PrometheusUnavailable, TrackHealth, judge

NAMESPACE = "shop"
SERVICE = "orders"
WINDOW = "5s"


def measure(prometheus: PrometheusServer, exporter: MetricsExporter, canary: TrafficProfile,
            stable: TrafficProfile | None = None) -> TrackHealth:
    """Serve the profiles, let Prometheus scrape them a few times, read the canary's health."""
    exporter.set_profile(NAMESPACE, SERVICE, "canary", canary)
    # The stable track misbehaves on purpose: the canary's numbers must not include it.
    exporter.set_profile(NAMESPACE, SERVICE, "stable", stable or TrafficProfile(
        requests_per_second=100, error_ratio=0.5, latency_ms=2000))
    prometheus.wait_for_scrapes(6, series=f'http_requests_total{{service="{SERVICE}"}}')
    return Prometheus(prometheus.url).track_health(NAMESPACE, SERVICE, "canary", WINDOW, 95)


def test_healthy_canary_is_judged_healthy(prometheus: PrometheusServer,
                                          metrics_exporter: MetricsExporter) -> None:
    health = measure(prometheus, metrics_exporter,
                     TrafficProfile(requests_per_second=20, error_ratio=0.0, latency_ms=120))
    assert health.requests_per_second == pytest.approx(20, rel=0.1)
    assert health.error_rate == 0
    assert health.latency_ms == pytest.approx(120, abs=1)
    assert health.track == "canary"
    assert judge(health, Slo()).healthy
    assert judge(health, Slo()).breaches == []


def test_five_percent_errors_breach_with_the_numbers(prometheus: PrometheusServer,
                                                     metrics_exporter: MetricsExporter) -> None:
    health = measure(prometheus, metrics_exporter,
                     TrafficProfile(requests_per_second=20, error_ratio=0.05, latency_ms=120))
    assert health.error_rate == pytest.approx(0.05, rel=1e-6)
    verdict = judge(health, Slo())
    assert not verdict.healthy
    assert verdict.breaches == [
        "canary error rate 5.00% > 0.10% allowed by availability 99.9%"]


def test_slow_p95_breaches_the_latency_threshold(prometheus: PrometheusServer,
                                                 metrics_exporter: MetricsExporter) -> None:
    health = measure(prometheus, metrics_exporter,
                     TrafficProfile(requests_per_second=20, latency_ms=800),
                     stable=TrafficProfile(requests_per_second=50, latency_ms=40))
    assert health.latency_ms == pytest.approx(800, abs=1)
    verdict = judge(health, Slo.model_validate({"latency": {"thresholdMs": 500}}))
    assert verdict.breaches == ["canary p95 latency 800 ms > 500 ms threshold"]


def test_no_traffic_is_never_healthy(prometheus: PrometheusServer,
                                     metrics_exporter: MetricsExporter) -> None:
    health = measure(prometheus, metrics_exporter, TrafficProfile(requests_per_second=0))
    assert health == TrackHealth(requests_per_second=0.0, error_rate=None, latency_ms=None,
                                 track="canary")
    verdict = judge(health, Slo())
    assert verdict.breaches == [
        "canary had 0.00 requests/s, below the 1.00 requests/s needed to judge it: "
        "no verdict without traffic"]
    # A track Prometheus has never seen reads the same.
    unknown = Prometheus(prometheus.url).track_health(NAMESPACE, "payments", "canary", WINDOW,
                                                      95)
    assert unknown.requests_per_second == 0
    assert not judge(unknown, Slo()).healthy


def test_stopped_prometheus_is_unavailable_quickly(prometheus: PrometheusServer) -> None:
    client = Prometheus(prometheus.url, timeout_seconds=2)
    assert client.track_health(NAMESPACE, SERVICE, "canary", WINDOW, 95).error_rate is None
    prometheus.stop()
    started = time.monotonic()
    with pytest.raises(PrometheusUnavailable, match=r"Prometheus at http://127\.0\.0\.1:\d+ "
                       r"is unreachable: .*Connection refused"):
        client.track_health(NAMESPACE, SERVICE, "canary", WINDOW, 95)
    assert time.monotonic() - started < 1


def test_silent_prometheus_times_out() -> None:
    # Something listens but never answers: the client gives up after its timeout.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = Prometheus(f"http://127.0.0.1:{listener.getsockname()[1]}",
                            timeout_seconds=0.5)
        started = time.monotonic()
        with pytest.raises(PrometheusUnavailable, match=r"is unreachable: .*timed out"):
            client.track_health(NAMESPACE, SERVICE, "canary", WINDOW, 95)
        assert time.monotonic() - started < 2


def test_refused_query_is_unavailable(prometheus: PrometheusServer) -> None:
    with pytest.raises(PrometheusUnavailable,
                       match=r"answered HTTP 400: .*parse error"):
        Prometheus(prometheus.url).query("sum(")


def test_something_else_on_the_port_is_unavailable(metrics_exporter: MetricsExporter) -> None:
    # An HTTP server that is not Prometheus: a 404 with an HTML body.
    with pytest.raises(PrometheusUnavailable, match=r"answered HTTP 404: Not Found"):
        Prometheus(f"http://{metrics_exporter.target}").query("up")
    # A server that does not speak HTTP at all.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def garbage() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(1024)
                connection.sendall(b"SSH-2.0-OpenSSH\r\n")

        thread = threading.Thread(target=garbage, daemon=True)
        thread.start()
        with pytest.raises(PrometheusUnavailable, match="is unreachable: "):
            Prometheus(f"http://127.0.0.1:{listener.getsockname()[1]}",
                       timeout_seconds=2).query("up")
        thread.join(timeout=5)
