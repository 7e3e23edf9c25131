"""`slipway release --auto` gated by a real Prometheus (tests/prometheus_server.py) scraping a
synthetic exporter, with the real engine on the dev stack: healthy promotes 1 -> 5 -> 25 -> 100,
a breach at 5% rolls back within that step, an unreachable Prometheus holds."""

from __future__ import annotations

import json
from typing import Any

import yaml
from typer.testing import CliRunner

from engine_project import Project
from prometheus_server import MetricsExporter, PrometheusServer, TrafficProfile, free_port
from slipway.cli import app

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
    assert "canary error rate 5.00% > 0.10% allowed by availability 99.9%" in result.stderr
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
