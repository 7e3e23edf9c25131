"""`slipway release --auto` gated by a real Prometheus (tests/prometheus_server.py) scraping a
synthetic exporter, with the real engine on the dev stack: healthy promotes 1 -> 5 -> 25 -> 100,
a breach at 5% rolls back within that step, an unreachable Prometheus holds."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from engine_project import Project
from prometheus_server import (
    MetricsExporter,
    PrometheusServer,
    TrafficProfile,
    breached_error_rate,
    free_port,
)
from slipway.cli import app
from slipway.tooling import releases
from slipway.tooling.prometheus import Prometheus

NAMESPACE = "slipway-dev"
IMAGE = "registry.example.com/shop/storefront@sha256:" + "e" * 64
HEALTHY = TrafficProfile(requests_per_second=20, error_ratio=0.0, latency_ms=80)
# storefront's SLO: availability 99.9% (0.1% errors allowed), p95 under 500 ms.
FAILING = TrafficProfile(requests_per_second=20, error_ratio=0.05, latency_ms=80)
AUTO = ("--bake", "2", "--window", "10s")


def release(project: Project, *args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, ["release", *args, "--stack", "dev", "--json",
                                      "--project-dir", str(project.path)])
    lines = result.stdout.strip().splitlines()
    return result.exit_code, (json.loads(lines[-1]) if lines else {}), result.stderr


def canary_traffic(exporter: MetricsExporter, prometheus: PrometheusServer,
                   profile: TrafficProfile) -> None:
    exporter.set_profile(NAMESPACE, "storefront", "canary", profile)
    exporter.set_probe(NAMESPACE, "storefront", True)  # its synthetic check passes
    prometheus.wait_for_scrapes(series='http_requests_total{track="canary"}')


def stack_releases(project: Project) -> Any:
    """The recorded progress (the stack's `releases` output in the backend)."""
    return project.progress()


def history(project: Project) -> list[str]:
    return [entry.message for entry in reversed(project.stack().history())]


def test_healthy_canary_is_promoted_step_by_step_until_stable(
        project: Project, metrics_exporter: MetricsExporter,
        prometheus: PrometheusServer) -> None:
    project.up()
    canary_traffic(metrics_exporter, prometheus, HEALTHY)
    code, out, err = release(project, "start", "storefront", "--version", "2.5.0", "--image",
                             IMAGE, "--auto", "--prometheus-url", prometheus.url, *AUTO)
    assert code == 0, err
    assert out["outcome"] == "promoted"
    assert [s["message"] for s in out["steps"]] == [
        "slipway release start storefront 2.5.0",
        "slipway release step storefront 2.5.0 weight=5",
        "slipway release step storefront 2.5.0 weight=25",
        "slipway release promote storefront 2.5.0",
    ]
    assert [h["weight"] for h in out["health"]] == [1, 5, 25]
    assert all(h["errorRate"] == 0 and 60 < h["latencyMs"] < 100 for h in out["health"])
    assert out["stable"]["version"] == "2.5.0" and out["candidate"] is None
    assert stack_releases(project)["storefront"]["stable"] == {"version": "2.5.0",
                                                               "image": IMAGE}
    assert not any("storefront-canary" in name for name in project.manifests())


def test_breach_at_5_percent_rolls_back_within_that_step(
        project: Project, metrics_exporter: MetricsExporter,
        prometheus: PrometheusServer) -> None:
    project.up()
    before = project.manifests()
    assert release(project, "start", "storefront", "--version", "2.5.0", "--image", IMAGE)[0] == 0
    assert release(project, "promote", "storefront")[0] == 0  # weight 5
    canary_traffic(metrics_exporter, prometheus, FAILING)
    result = CliRunner().invoke(app, [
        "release", "promote", "storefront", "--auto", "--prometheus-url", prometheus.url, *AUTO,
        "--stack", "dev", "--project-dir", str(project.path)])
    assert result.exit_code == 1
    # The numbers that breached, in the human output.
    assert breached_error_rate(result.stderr, "canary") == pytest.approx(5.0, abs=0.1)
    assert "SLO breached, rolled back" in result.stderr
    assert history(project)[-1] == "slipway release rollback storefront 2.5.0"
    assert history(project)[-2] == "slipway release step storefront 2.5.0 weight=5"
    stable = stack_releases(project)["storefront"]
    assert list(stable) == ["stable"]  # no candidate, no weight left (manual: not "failed")
    assert (stable["stable"]["version"], stable["stable"]["image"]) == (
        "2.4.0", stable_image(before))
    assert project.manifests() == before


def stable_image(manifests: dict[str, str]) -> str:
    doc = yaml.safe_load(manifests["1-manifest/apps_v1-deployment-slipway-dev-storefront.yaml"])
    return str(doc["spec"]["template"]["spec"]["containers"][0]["image"])


def test_unreachable_prometheus_holds_without_promoting_or_rolling_back(
        project: Project) -> None:
    project.up()
    assert release(project, "start", "storefront", "--version", "2.5.0", "--image", IMAGE)[0] == 0
    during = project.manifests()
    updates = len(history(project))
    nobody = f"http://127.0.0.1:{free_port()}"
    code, out, _ = release(project, "promote", "storefront", "--auto", "--prometheus-url",
                           nobody, *AUTO)
    assert code == 3
    assert out["outcome"] == "held"
    assert "is unreachable" in out["reason"]
    assert out["weight"] == 1 and out["candidate"]["version"] == "2.5.0"
    assert len(history(project)) == updates
    assert project.manifests() == during


# -- blue-green: the idle slot is judged through its preview Service, the flip observed -------

PAYMENTS_IMAGE = "registry.example.com/shop/payments@sha256:" + "e" * 64
PAYMENTS_START = "slipway release start payments 3.2.0"
SERVICE = "1-manifest/v1-service-slipway-dev-payments.yaml"
PREVIEW = "1-manifest/v1-service-slipway-dev-payments-preview.yaml"


def slot_errors(prometheus: PrometheusServer, slot: str) -> float:
    found = prometheus.query(
        f'sum(increase(http_requests_total{{service="payments",track="{slot}",code="500"}}'
        f"[{AUTO[-1]}]))")
    return float(found[0]["value"][1]) if found else 0.0


def wait_for(condition: Any, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:g}s for {what}"
        time.sleep(0.25)


def selected_slot(project: Project, service_file: str) -> str:
    return str(yaml.safe_load(project.manifests()[service_file])["spec"]["selector"][
        "slipway.dev/slot"])


def test_blue_green_auto_judges_the_idle_slot_before_the_flip_and_flips_back_on_a_breach(
        project: Project, metrics_exporter: MetricsExporter,
        prometheus: PrometheusServer) -> None:
    payments = project.services / "payments.yaml"
    payments.write_text(payments.read_text() + "release: {strategy: blue-green}\n")
    project.up()
    before = project.manifests()

    # The candidate answers 5% errors in the idle slot (green, behind payments-preview) while
    # blue serves cleanly: the flip is refused and the candidate leaves the idle slot.
    metrics_exporter.set_profile(NAMESPACE, "payments", "blue", HEALTHY)
    metrics_exporter.set_profile(NAMESPACE, "payments", "green", FAILING)
    prometheus.wait_for_scrapes(series='http_requests_total{service="payments"}')
    code, out, err = release(project, "start", "payments", "--version", "3.2.0", "--image",
                             PAYMENTS_IMAGE, "--auto", "--prometheus-url", prometheus.url, *AUTO)
    assert code == 1, err
    assert out["outcome"] == "rolled-back"
    assert breached_error_rate(out["breaches"][0], "green") == pytest.approx(5.0, abs=0.1)
    assert [(h["weight"], h["track"]) for h in out["health"]] == [(0, "green")]
    assert history(project)[-2:] == [PAYMENTS_START, "slipway release rollback payments 3.2.0"]
    assert project.manifests() == before  # never flipped, no green slot or preview left

    # Now the candidate is healthy and blue is the one failing: judging the idle slot alone,
    # the flip goes ahead; once flipped, green breaches within the observation and flips back.
    metrics_exporter.set_profile(NAMESPACE, "payments", "green", HEALTHY)
    metrics_exporter.set_profile(NAMESPACE, "payments", "blue", FAILING)
    wait_for(lambda: slot_errors(prometheus, "green") == 0, "green's window without errors")
    assert release(project, "start", "payments", "--version", "3.2.0", "--image",
                   PAYMENTS_IMAGE)[0] == 0
    target = releases.target("dev", project.path, "payments")

    def observe(_seconds: float) -> None:
        """The bake: after the flip, the slot gone live starts failing."""
        assert target.state is not None
        if target.state.candidate_weight == 100:
            metrics_exporter.set_profile(NAMESPACE, "payments", "green", FAILING)
            # Until the gate's own query over its window sees the errors (a few scrapes; on a
            # busy machine more than the first failing sample).
            wait_for(lambda: judged_error_rate("green") > 0.01, "green's errors in the window")

    def judged_error_rate(slot: str) -> float:
        health = Prometheus(prometheus.url).track_health(NAMESPACE, "payments", slot,
                                                         AUTO[-1], 95.0)
        return health.error_rate or 0.0

    result = releases.run_auto(target, Prometheus(prometheus.url), bake_seconds=0,
                               window=AUTO[-1], sleep=observe)
    assert result.outcome == "rolled-back", result
    assert result.steps == ["slipway release flip payments 3.2.0",
                            "slipway release rollback payments 3.2.0"]
    assert [(h["weight"], h["track"]) for h in result.health] == [(0, "green"), (100, "green")]
    assert result.breaches[0].startswith("green error rate ")
    # Blue serves again; the candidate waits in green behind the preview Service.
    assert (selected_slot(project, SERVICE), selected_slot(project, PREVIEW)) == ("blue", "green")
    recorded = stack_releases(project)["payments"]
    assert (recorded["candidate"]["version"], recorded["weight"], recorded["live"]) == (
        "3.2.0", 0, "blue")
    assert history(project)[-3:] == [PAYMENTS_START, "slipway release flip payments 3.2.0",
                                     "slipway release rollback payments 3.2.0"]
