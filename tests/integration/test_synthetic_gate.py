"""A delivery gate reads the synthetic check of a public service from a real Prometheus
(Debian's binary, scraping the synthetic exporter): a failing probe rolls back, missing probe
data holds, never a pass."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_server import MetricsExporter, PrometheusServer, TrafficProfile
from slipway.release_state import ReleaseRef, ReleaseState
from slipway.spec.service import ServiceSpec
from slipway.tooling import delivery
from slipway.tooling.prometheus import ProbeHealth, Prometheus

NAMESPACE = "shop-synthetic"
WINDOW = "5s"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
IMAGE = "registry.example.com/shop/web@sha256:"
HEALTHY = TrafficProfile(requests_per_second=20, error_ratio=0.0, latency_ms=80)


def public(name: str) -> ServiceSpec:
    return ServiceSpec.model_validate({
        "name": name, "image": IMAGE + "b" * 64, "version": "1.1.0",
        "release": {"strategy": "canary"},
        "exposure": {"public": True, "host": f"{name}.example.com"}})


def gate(prometheus: PrometheusServer, exporter: MetricsExporter, name: str,
         probe_ok: bool | None) -> delivery.Judged:
    """Healthy canary traffic, the probe as given (None: no probe series), then the gate."""
    exporter.set_profile(NAMESPACE, name, "canary", HEALTHY)
    exporter.set_probe(NAMESPACE, name, probe_ok)
    prometheus.wait_for_scrapes(6, series=f'http_requests_total{{service="{name}"}}')
    spec = public(name)
    check = spec.exposure.synthetic_check
    assert check is not None
    client = Prometheus(prometheus.url)
    health = client.track_health(NAMESPACE, name, "canary", WINDOW, 95)
    ratio = client.probe_success(NAMESPACE, name, WINDOW)
    state = ReleaseState(stable=ReleaseRef(version="1.0.0", image=IMAGE + "a" * 64),
                         candidate=ReleaseRef(version="1.1.0", image=IMAGE + "b" * 64),
                         weight=5)
    return delivery.decide(spec, state, health=health, unavailable=None, previous=None,
                           commit=None, now=NOW, probe=ProbeHealth(
                               ratio, check.min_success_ratio, f"https://{name}.example.com/"))


def test_a_failing_probe_rolls_back_though_the_traffic_is_healthy(
        prometheus: PrometheusServer, metrics_exporter: MetricsExporter) -> None:
    judged = gate(prometheus, metrics_exporter, "web-failing", False)
    assert judged.outcome == "rolled-back"
    assert judged.gate.probe_success == 0
    assert judged.gate.reasons == ["synthetic check of https://web-failing.example.com/: 0.00% "
                                   "of probes succeeded < 95.00% required"]
    assert judged.step is not None and judged.step.action == "rollback"


def test_missing_probe_data_holds(prometheus: PrometheusServer,
                                  metrics_exporter: MetricsExporter) -> None:
    judged = gate(prometheus, metrics_exporter, "web-silent", None)
    assert (judged.outcome, judged.step, judged.gate.probe_success) == ("held", None, None)
    assert judged.gate.error_rate == 0  # the traffic alone would have passed


def test_a_passing_probe_lets_the_gate_pass(prometheus: PrometheusServer,
                                            metrics_exporter: MetricsExporter) -> None:
    judged = gate(prometheus, metrics_exporter, "web-ok", True)
    assert (judged.outcome, judged.gate.verdict, judged.gate.probe_success) == (
        "next", "pass", 1.0)
