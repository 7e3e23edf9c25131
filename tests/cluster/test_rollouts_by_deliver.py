"""`slipway deliver` against the real API server: a bumped canary service runs to 100% with
every step judged by a real Prometheus (on loopback, scraping the synthetic exporter, as in
tests/integration/test_deliver.py), and a breaching bump is rolled back. What the API server
held at every step comes from its watch (cluster/object_watch.py), not from polling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cluster.deployment import NAMESPACE, edited, slipway
from cluster.kube import Kube, available, ready
from cluster.object_watch import ObjectWatch

from engine_project import Project
from prometheus_server import (
    MetricsExporter,
    PrometheusServer,
    TrafficProfile,
    breached_error_rate,
)

OLD_IMAGE = ("registry.example.com/shop/storefront@sha256:"
             "d8d2b47b1df9f1c89905404b58d09eb1279660e0d19d6db83b9dcf8a07430ad8")
IMAGE_25 = "registry.example.com/shop/storefront@sha256:" + "a" * 64
IMAGE_26 = "registry.example.com/shop/storefront@sha256:" + "b" * 64
HEALTHY = TrafficProfile(requests_per_second=20, error_ratio=0.0, latency_ms=80)
FAILING = TrafficProfile(requests_per_second=20, error_ratio=0.05, latency_ms=80)
SERVICE = "app.kubernetes.io/name=storefront"

Snapshot = dict[str, dict[str, Any]]


def bumped(text: str, version: str, image: str) -> str:
    """What a service team's merged PR does: version and image in the service file."""
    return "\n".join(f"version: {version}" if line.startswith("version:") else
                     f"image: {image}" if line.startswith("image:") else line
                     for line in text.splitlines()) + "\n"


def deliver(project: Project, prometheus: PrometheusServer,
            summary: Path) -> tuple[int, dict[str, Any], str]:
    return slipway(project, "deliver", "--stack", "dev", "--auto", "--prometheus-url",
                   prometheus.url, "--bake", "2", "--window", "10s", "--summary", str(summary))


def storefront(out: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in out["services"] if s["service"] == "storefront")


def image(deployment: dict[str, Any]) -> str:
    return str(deployment["spec"]["template"]["spec"]["containers"][0]["image"])


def images(snapshot: Snapshot) -> dict[str, str]:
    return {name: image(d) for name, d in snapshot.items()}


def serving(snapshot: Snapshot, name: str, wanted: str) -> bool:
    """`name` runs `wanted` with every replica it asks for ready."""
    d = snapshot.get(name)
    return d is not None and image(d) == wanted and available(d)


def weights(route: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    return tuple((ref["name"], ref["weight"])
                 for ref in route["spec"]["rules"][0]["backendRefs"])


def weight_steps(history: list[Snapshot]) -> list[tuple[tuple[str, int], ...]]:
    """The route's weights after each change, repeats folded."""
    steps: list[tuple[tuple[str, int], ...]] = []
    for snapshot in history:
        if "storefront" in snapshot and (not steps or weights(snapshot["storefront"]) != steps[-1]):
            steps.append(weights(snapshot["storefront"]))
    return steps


def settle(kube: Kube, *watches: ObjectWatch) -> None:
    for watch in watches:
        kube.wait_until(f"the {watch.kind} watch to catch up", watch.caught_up(), timeout=180)


def watched_deliver(kube: Kube, project: Project, prometheus: PrometheusServer, summary: Path
                    ) -> tuple[int, dict[str, Any], str, list[Snapshot], list[Snapshot]]:
    """`deliver` while the API server's watch records storefront's Deployments and its
    HTTPRoute: exit code, JSON, stderr, then each watch's snapshots."""
    with ObjectWatch(kube, "deployments", NAMESPACE, SERVICE) as deployments, \
            ObjectWatch(kube, "httproutes.gateway.networking.k8s.io", NAMESPACE,
                        field_selector="metadata.name=storefront") as route:
        settle(kube, deployments, route)
        code, out, err = deliver(project, prometheus, summary)
        settle(kube, deployments, route)
    return code, out, err, deployments.history(), route.history()


def pod_images(kube: Kube) -> set[str]:
    """Images of storefront's ready server pods (kwok marks them ready)."""
    return {p["spec"]["containers"][0]["image"] for p in kube.items(
        "pods", NAMESPACE, SERVICE, "app.kubernetes.io/component=server")
        if ready(p) and not p["metadata"].get("deletionTimestamp")}


def gate_rows(summary: str) -> list[list[str]]:
    """The gate table's rows of the summary: weight, requests/s, errors, latency, probes ok,
    verdict, why."""
    return [[cell.strip() for cell in line.strip("|").split("|")]
            for line in summary.splitlines() if line.startswith("| ") and "% |" in line
            and line.split("|")[1].strip().endswith("%")]


@pytest.mark.usefixtures("deployed")  # the session's dev stack, already in the cluster
def test_deliver_runs_a_canary_to_100_on_the_cluster_and_rolls_back_a_breaching_bump(
        project: Project, kube: Kube, metrics_exporter: MetricsExporter,
        prometheus: PrometheusServer, tmp_path: Path) -> None:
    kube.wait_until("storefront available", lambda: available(
        kube.get("deployment", "storefront", "-n", NAMESPACE)), timeout=180)
    original = (project.services / "storefront.yaml").read_text()
    metrics_exporter.set_profile(NAMESPACE, "storefront", "canary", HEALTHY)
    metrics_exporter.set_probe(NAMESPACE, "storefront", True)  # its synthetic check passes
    prometheus.wait_for_scrapes(series='http_requests_total{track="canary"}')

    with edited(project, "storefront", bumped(original, "2.5.0", IMAGE_25)) as path:
        # -- a healthy bump goes to 100% ----------------------------------------------------
        summary = tmp_path / "delivered.md"
        code, out, err, history, route_history = watched_deliver(kube, project, prometheus,
                                                                 summary)
        assert code == 0, err[-3000:]
        result = storefront(out)
        assert (result["from"], result["to"], result["result"]) == ("2.4.0", "2.5.0",
                                                                    "delivered")
        assert [(g["weight"], g["verdict"]) for g in result["gates"]] == [
            (1, "pass"), (5, "pass"), (25, "pass")]
        # Every step ran on real objects: the canary Deployment served the new version with
        # its pods ready next to the old stable one, and the route moved 1, 5, 25 then 100.
        assert any(serving(s, "storefront", OLD_IMAGE) and serving(s, "storefront-canary",
                                                                   IMAGE_25) for s in history)
        assert weight_steps(route_history) == [
            (("storefront-stable", 100),),
            (("storefront-stable", 99), ("storefront-canary", 1)),
            (("storefront-stable", 95), ("storefront-canary", 5)),
            (("storefront-stable", 75), ("storefront-canary", 25)),
            (("storefront-stable", 100),)]
        # The stable Deployment only ever ran the old then the new version.
        assert [image(s["storefront"]) for s in history if "storefront" in s][-1] == IMAGE_25
        assert {image(s["storefront"]) for s in history if "storefront" in s} == {
            OLD_IMAGE, IMAGE_25}
        # After: one Deployment at the new version, all its pods ready, no canary left.
        final = history[-1]
        assert images(final) == {"storefront": IMAGE_25}
        assert serving(final, "storefront", IMAGE_25)
        kube.wait_until("only 2.5.0's pods serve", lambda: pod_images(kube) == {IMAGE_25})
        # The summary's figures: three gates at the exporter's 20 requests/s, no errors,
        # p95 at 80 ms, every probe passing.
        text = summary.read_text()
        assert "| storefront | canary | 2.4.0 | 2.5.0 | delivered |" in text
        rows = gate_rows(text)
        assert [row[0] for row in rows] == ["1%", "5%", "25%"], text
        for row in rows:
            assert 15 <= float(row[1]) <= 25, row
            assert (row[2], row[4], row[5]) == ("0.00%", "100.00%", "pass"), row
            assert 70 <= float(row[3].removesuffix(" ms")) <= 90, row

        # -- a breaching bump is rolled back ------------------------------------------------
        path.write_text(bumped(original, "2.6.0", IMAGE_26))
        metrics_exporter.set_profile(NAMESPACE, "storefront", "canary", FAILING)
        kube.wait_until("Prometheus to see the canary's errors", lambda: bool(prometheus.query(
            'sum(rate(http_requests_total{track="canary",code="500"}[10s])) > 0')),
            timeout=180)
        summary = tmp_path / "rolled-back.md"
        code, out, err, history, route_history = watched_deliver(kube, project, prometheus,
                                                                 summary)
        assert code == 1, err[-3000:]
        result = storefront(out)
        assert (result["from"], result["to"], result["result"]) == ("2.5.0", "2.6.0",
                                                                    "rolled-back")
        assert breached_error_rate(result["reason"], "canary") == pytest.approx(5.0, abs=0.1)
        # The canary really ran (pods ready) and took 1% before it was rolled back; the
        # stable Deployment ran 2.5.0 throughout.
        assert any(serving(s, "storefront-canary", IMAGE_26) for s in history)
        assert weight_steps(route_history) == [
            (("storefront-stable", 100),),
            (("storefront-stable", 99), ("storefront-canary", 1)),
            (("storefront-stable", 100),)]
        assert {image(s["storefront"]) for s in history if "storefront" in s} == {IMAGE_25}
        assert images(history[-1]) == {"storefront": IMAGE_25}
        kube.wait_until("only 2.5.0's pods serve", lambda: pod_images(kube) == {IMAGE_25})
        text = summary.read_text()
        assert "| storefront | canary | 2.5.0 | 2.6.0 | rolled-back |" in text
        assert [(row[0], row[2], row[5]) for row in gate_rows(text)] == [
            ("1%", "5.00%", "breach")]
        assert "version: 2.6.0" in path.read_text()  # the file still asks for it
        recorded = project.progress()["storefront"]
        assert recorded["stable"]["version"] == "2.5.0"
        assert [f["version"] for f in recorded["failed"]] == ["2.6.0"]

        # -- deliver again: the failed version is not retried --------------------------------
        with ObjectWatch(kube, "deployments", NAMESPACE, SERVICE) as deployments:
            settle(kube, deployments)
            before = deployments.history()[-1]
            code, out, err = deliver(project, prometheus, tmp_path / "again.md")
            settle(kube, deployments)
        assert code == 0, err[-3000:]
        assert storefront(out)["result"] == "failed-before"
        assert storefront(out)["gates"] == []
        assert "storefront-canary" not in deployments.seen  # no canary was started
        assert deployments.history()[-1]["storefront"]["metadata"]["generation"] == \
            before["storefront"]["metadata"]["generation"]
