"""`slipway deliver` from git: a scripted repository (commits in a temp dir), the real engine on
the dev stack (local file backend, manifests rendered), and a real Prometheus on loopback
scraping the synthetic exporter.

bump -> deliver -> 100%; a breach rolls back (exit 1, the file still says the new version,
deliver again does nothing, reverting the bump is a no-op); a fresh clone with the same backend
sees the same progress; deliver killed between steps resumes without judging a passed gate
again; a newer bump supersedes a release under way; catalog and DORA name the delivered
commits.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from runners import kill_runner
from typer.testing import CliRunner

from engine_project import ROOT, Project
from prometheus_server import (
    MetricsExporter,
    PrometheusServer,
    TrafficProfile,
    breached_error_rate,
)
from slipway.cli import app

NAMESPACE = "slipway-dev"
OLD_IMAGE = ("registry.example.com/shop/storefront@sha256:"
             "d8d2b47b1df9f1c89905404b58d09eb1279660e0d19d6db83b9dcf8a07430ad8")
IMAGE_25 = "registry.example.com/shop/storefront@sha256:" + "e" * 64
IMAGE_26 = "registry.example.com/shop/storefront@sha256:" + "f" * 64
HEALTHY = TrafficProfile(requests_per_second=20, error_ratio=0.0, latency_ms=80)
FAILING = TrafficProfile(requests_per_second=20, error_ratio=0.05, latency_ms=80)
GATES = ("--bake", "2", "--window", "10s")
DEV = "Dana Developer"
ROUTE = "1-manifest/gateway.networking.k8s.io_v1-httproute-slipway-dev-storefront.yaml"


# -- a scripted repository -----------------------------------------------------------------------

def git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo)}
    identity = ["-c", f"user.name={DEV}", "-c", "user.email=dana@example.com"]
    done = subprocess.run(["git", "-C", str(repo), *identity, *args], check=True, env=env,
                          capture_output=True, text=True)
    return done.stdout.strip()


def init_repo(project: Project) -> str:
    git(project.path, "init", "-q", "-b", "main")
    (project.path / ".gitignore").write_text("out/\n.venv\n")
    return commit(project, "catalog: six services")


def commit(project: Project, message: str) -> str:
    git(project.path, "add", "-A")
    git(project.path, "commit", "-q", "-m", message)
    return git(project.path, "rev-parse", "HEAD")


def bump_storefront(project: Project, version: str, image: str) -> str:
    """What a service team's PR does: version and image in the service file, merged."""
    path = project.services / "storefront.yaml"
    lines = [f"version: {version}" if line.startswith("version:") else
             f"image: {image}" if line.startswith("image:") else line
             for line in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")
    return commit(project, f"storefront: {version}")


def file_version(project: Project) -> str:
    return str(yaml.safe_load((project.services / "storefront.yaml").read_text())["version"])


# -- commands --------------------------------------------------------------------------------------

def slipway(project: Project, *args: str, where: Path | None = None) -> tuple[int, Any, str]:
    result = CliRunner().invoke(app, [*args, "--json", "--project-dir",
                                      str(where or project.path)])
    lines = result.stdout.strip().splitlines()
    return result.exit_code, (json.loads(lines[-1]) if lines else {}), result.stderr


def deliver(project: Project, prometheus: PrometheusServer, commit_sha: str | None = None,
            where: Path | None = None) -> tuple[int, dict[str, Any], str]:
    extra = ("--commit", commit_sha) if commit_sha else ()
    code, out, err = slipway(project, "deliver", "--stack", "dev", "--auto",
                             "--prometheus-url", prometheus.url, *extra, *GATES, where=where)
    return code, out, err


def storefront(out: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in out["services"] if s["service"] == "storefront")


def canary_traffic(exporter: MetricsExporter, prometheus: PrometheusServer,
                   profile: TrafficProfile) -> None:
    exporter.set_profile(NAMESPACE, "storefront", "canary", profile)
    exporter.set_probe(NAMESPACE, "storefront", True)  # its synthetic check passes
    prometheus.wait_for_scrapes(series='http_requests_total{track="canary"}')


def release_messages(project: Project) -> list[str]:
    return [e.message for e in reversed(project.stack().history())
            if e.message.startswith("slipway release")]


def route_weights(project: Project) -> list[tuple[str, int]]:
    route = yaml.safe_load(project.manifests()[ROUTE])
    return [(ref["name"], ref["weight"]) for ref in route["spec"]["rules"][0]["backendRefs"]]


# -- the tests -------------------------------------------------------------------------------------

def test_a_merged_bump_is_delivered_to_100_and_catalog_and_dora_name_its_commit(
        project: Project, metrics_exporter: MetricsExporter,
        prometheus: PrometheusServer) -> None:
    init_repo(project)
    project.up(message="slipway up")
    bump = bump_storefront(project, "2.5.0", IMAGE_25)
    canary_traffic(metrics_exporter, prometheus, HEALTHY)

    code, out, err = deliver(project, prometheus, bump)
    assert code == 0, err
    result = storefront(out)
    assert (result["from"], result["to"], result["result"]) == ("2.4.0", "2.5.0", "delivered")
    assert [g["weight"] for g in result["gates"]] == [1, 5, 25]
    assert all(g["verdict"] == "pass" and g["errorRate"] == 0 for g in result["gates"])
    # storefront is public: every gate read its synthetic check too.
    assert [g["probeSuccess"] for g in result["gates"]] == [1, 1, 1]
    assert release_messages(project) == [
        f"slipway release start storefront 2.5.0 commit={bump}",
        f"slipway release step storefront 2.5.0 weight=5 commit={bump}",
        f"slipway release step storefront 2.5.0 weight=25 commit={bump}",
        f"slipway release promote storefront 2.5.0 commit={bump}",
    ]
    recorded = project.progress()["storefront"]
    assert recorded["stable"]["version"] == "2.5.0" and "candidate" not in recorded
    assert recorded["last"]["result"] == "delivered" and recorded["last"]["verified"] is True
    assert route_weights(project) == [("storefront-stable", 100)]
    assert not any("storefront-canary" in name for name in project.manifests())
    # Every other service had nothing to deliver.
    assert {s["result"] for s in out["services"] if s["service"] != "storefront"} == {
        "nothing"}
    # The checkout stays clean: the progress is in the backend.
    assert git(project.path, "status", "--porcelain") == ""

    code, listed, err = slipway(project, "catalog", "--stack", "dev")
    assert code == 0, err
    entry = next(s for s in listed["services"] if s["service"] == "storefront")
    assert (entry["version"], entry["commit"]) == ("2.5.0", bump)
    assert entry["deployedBy"] == f"{DEV} <dana@example.com>"
    assert entry["commitMessage"] == "storefront: 2.5.0"
    code, measured, err = slipway(project, "dora", "--stack", "dev", "--since", "1d")
    assert code == 0, err
    # Six services created by the first up, then storefront 2.5.0: no failure.
    assert measured["deploymentFrequency"]["deployments"] == 7
    assert measured["changeFailureRate"]["failed"] == 0


def test_a_breach_rolls_back_records_the_failure_and_is_not_retried(
        project: Project, metrics_exporter: MetricsExporter,
        prometheus: PrometheusServer) -> None:
    init_repo(project)
    project.up(message="slipway up")
    before = project.manifests()
    bump = bump_storefront(project, "2.5.0", IMAGE_25)
    canary_traffic(metrics_exporter, prometheus, FAILING)

    code, out, err = deliver(project, prometheus, bump)
    assert code == 1, err
    result = storefront(out)
    assert result["result"] == "rolled-back"
    assert breached_error_rate(result["reason"], "canary") == pytest.approx(5.0, abs=0.1)
    assert [(g["weight"], g["verdict"]) for g in result["gates"]] == [(1, "breach")]
    assert release_messages(project)[-1] == f"slipway release rollback storefront 2.5.0 " \
        f"commit={bump}"
    assert project.manifests() == before  # traffic and pods back to 2.4.0
    assert file_version(project) == "2.5.0"  # the file still asks for it
    recorded = project.progress()["storefront"]
    assert (recorded["stable"]["version"], recorded["stable"]["image"]) == ("2.4.0", OLD_IMAGE)
    assert [f["version"] for f in recorded["failed"]] == ["2.5.0"]

    # Again: nothing is retried, nothing changes, exit 0.
    messages = release_messages(project)
    code, again, err = deliver(project, prometheus, bump)
    assert code == 0, err
    assert storefront(again)["result"] == "failed-before"
    assert "not retried until the service file changes" in storefront(again)["reason"]
    assert release_messages(project) == messages
    assert project.manifests() == before
    # `slipway up` does not retry it either.
    code, _, err = slipway(project, "up", "--stack", "dev")
    assert code == 0, err
    assert project.manifests() == before

    # Rollback from git: reverting the bump is a no-op (2.4.0 already runs).
    git(project.path, "revert", "--no-edit", "HEAD")
    code, reverted, err = deliver(project, prometheus)
    assert code == 0, err
    assert storefront(reverted)["result"] == "nothing"
    assert release_messages(project) == messages

    code, measured, err = slipway(project, "dora", "--stack", "dev", "--since", "1d")
    assert code == 0, err
    assert measured["changeFailureRate"]["failed"] == 1
    assert measured["failures"][0]["version"] == "2.5.0"


def test_a_fresh_clone_with_the_same_backend_sees_the_same_progress(
        project: Project, metrics_exporter: MetricsExporter, prometheus: PrometheusServer,
        tmp_path: Path) -> None:
    init_repo(project)
    project.up(message="slipway up")
    bump_storefront(project, "2.5.0", IMAGE_25)
    # `slipway up` starts the canary at its first step (and says so); no file records it.
    code, upped, err = slipway(project, "up", "--stack", "dev")
    assert code == 0, err
    assert any("2.4.0 -> 2.5.0 (canary) starts at 1% of traffic" in line
               for line in upped["versionChanges"])
    assert route_weights(project) == [("storefront-stable", 99), ("storefront-canary", 1)]
    assert git(project.path, "status", "--porcelain") == ""

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(project.path), str(clone)], check=True)
    (clone / ".venv").symlink_to(ROOT / ".venv")
    code, status, err = slipway(project, "release", "status", "storefront", "--stack", "dev",
                                where=clone)
    assert code == 0, err
    assert status["stable"]["version"] == "2.4.0"
    assert status["candidate"]["version"] == "2.5.0" and status["weight"] == 1
    # The clone carries the release on from where the backend says it is.
    canary_traffic(metrics_exporter, prometheus, HEALTHY)
    code, out, err = deliver(project, prometheus, where=clone)
    assert code == 0, err
    assert [g["weight"] for g in storefront(out)["gates"]] == [1, 5, 25]
    assert project.progress()["storefront"]["stable"]["version"] == "2.5.0"


def test_deliver_killed_between_steps_resumes_without_judging_a_passed_gate_again(
        project: Project, metrics_exporter: MetricsExporter,
        prometheus: PrometheusServer) -> None:
    init_repo(project)
    project.up(message="slipway up")
    bump = bump_storefront(project, "2.5.0", IMAGE_25)
    canary_traffic(metrics_exporter, prometheus, HEALTHY)
    command = [str(ROOT / ".venv" / "bin" / "slipway"), "deliver", "--stack", "dev",
               "--prometheus-url", prometheus.url, "--commit", bump, "--bake", "8",
               "--window", "10s", "--project-dir", str(project.path)]
    runner = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                              text=True, start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    stderr = runner.stderr
    assert stderr is not None

    def read() -> None:
        for line in stderr:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    stepped = False
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            line = lines.get(timeout=deadline - time.monotonic())
            stepped = stepped or "slipway release step storefront 2.5.0 weight=5" in line
            if stepped and line.startswith("baking"):
                break  # the 5% step is recorded; the run is baking it
        else:
            raise AssertionError("deliver never reached the 5% bake")
    finally:
        kill_runner(runner)  # the runner dies mid-bake
    recorded = project.progress()["storefront"]
    assert recorded["weight"] == 5
    assert [(g["weight"], g["verdict"]) for g in recorded["gates"]] == [(1, "pass")]

    code, out, err = deliver(project, prometheus, bump)
    assert code == 0, err
    # Judged at 5 and 25 only; the weight never went back to 1.
    assert [g["weight"] for g in storefront(out)["gates"]] == [5, 25]
    assert release_messages(project) == [
        f"slipway release start storefront 2.5.0 commit={bump}",
        f"slipway release step storefront 2.5.0 weight=5 commit={bump}",
        f"slipway release step storefront 2.5.0 weight=25 commit={bump}",
        f"slipway release promote storefront 2.5.0 commit={bump}",
    ]


def test_a_newer_bump_supersedes_the_release_under_way(
        project: Project, metrics_exporter: MetricsExporter,
        prometheus: PrometheusServer) -> None:
    init_repo(project)
    project.up(message="slipway up")
    bump_storefront(project, "2.5.0", IMAGE_25)
    project.up(message="slipway up")  # 2.5.0 at 1%
    newer = bump_storefront(project, "2.6.0", IMAGE_26)
    canary_traffic(metrics_exporter, prometheus, HEALTHY)
    code, out, err = deliver(project, prometheus, newer)
    assert code == 0, err
    assert release_messages(project)[:2] == [
        f"slipway release supersede storefront 2.5.0 commit={newer}",
        f"slipway release start storefront 2.6.0 commit={newer}"]
    assert storefront(out)["result"] == "delivered"
    assert project.progress()["storefront"]["stable"]["version"] == "2.6.0"
    code, measured, err = slipway(project, "dora", "--stack", "dev", "--since", "1d")
    assert code == 0, err
    assert measured["changeFailureRate"]["failed"] == 0  # superseded is not a failure


def test_the_legacy_release_key_is_read_once_and_moves_into_the_backend(
        project: Project) -> None:
    init_repo(project)
    project.up(message="slipway up")
    # A stack released by an earlier version of the tool: its progress is in the stack file.
    bump_storefront(project, "2.5.0", IMAGE_25)
    stack_file = project.path / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document["config"]["slipway:releases"] = {"storefront": {
        "stable": {"version": "2.4.0", "image": OLD_IMAGE},
        "candidate": {"version": "2.5.0", "image": IMAGE_25}, "weight": 5}}
    stack_file.write_text(yaml.safe_dump(document))
    result = CliRunner().invoke(app, ["up", "--stack", "dev", "--project-dir",
                                      str(project.path)])
    assert result.exit_code == 0, result.stderr
    assert "migrated the release progress of storefront from slipway:releases" in result.stderr
    assert project.progress()["storefront"]["weight"] == 5
    assert route_weights(project) == [("storefront-stable", 95), ("storefront-canary", 5)]
    assert "slipway:releases" not in yaml.safe_load(stack_file.read_text())["config"]


def test_the_pr_summary_leads_with_the_version_change_on_dev(project: Project,
                                                              tmp_path: Path) -> None:
    init_repo(project)
    project.up(message="slipway up")
    bump_storefront(project, "2.5.0", IMAGE_25)  # the PR's change, not merged
    markdown = tmp_path / "pr.md"
    result = CliRunner().invoke(app, [
        "preview", "--pr", "5", "--long-lived", "dev,prod", "--markdown", str(markdown),
        "--policy-pack", str(ROOT / "policy"), "--json", "--project-dir", str(project.path)])
    assert result.exit_code == 0, result.stderr[-3000:]
    text = markdown.read_text()
    lines = text.splitlines()
    assert lines[:4] == ["<!-- slipway-preview:pr-5 -->",
                         "## What pull request #5 changes where it runs", "", "### `dev`"]
    assert ("| storefront | 2.4.0 -> 2.5.0 | canary 1%, 5%, 25%, 100%, each step judged "
            "against the SLO |") in lines
    assert "`prod`: not deployed yet" in text
    # The review stack's own plan (every resource created) comes last, folded.
    assert text.index("<details>") > text.index("### `prod`")
    assert "<summary>Review stack <code>pr-5</code>: " in text
    # Previewing dev changed nothing there.
    assert project.progress()["storefront"]["stable"]["version"] == "2.4.0"


INVENTORY_1 = "registry.example.com/shop/inventory@sha256:" + "1" * 64


def bump_inventory_major(project: Project) -> str:
    path = project.services / "inventory.yaml"
    lines = ["version: 1.0.0" if line.startswith("version:") else
             f"image: {INVENTORY_1}" if line.startswith("image:") else line
             for line in path.read_text().splitlines()
             # The new image has no signature yet (dev advises on that, it does not refuse).
             if not line.startswith(("signature:", "  payload:", "  base64Signature:"))]
    path.write_text("\n".join(lines) + "\n")
    return commit(project, "inventory: 1.0.0, a new major (breaking API)")


def test_a_major_bump_waits_until_every_caller_accepts_the_new_major(
        project: Project, metrics_exporter: MetricsExporter,
        prometheus: PrometheusServer) -> None:
    init_repo(project)
    project.up(message="slipway up")
    bump_inventory_major(project)

    code, out, err = deliver(project, prometheus)
    assert code == 1, (out, err)
    result = next(s for s in out["services"] if s["service"] == "inventory")
    assert (result["from"], result["to"], result["result"]) == ("0.9.12", "1.0.0", "refused")
    assert "version: 1.0.0 is major 1 (0.9.12 runs), and callers are not ready: " \
        "fulfillment-worker (" in result["reason"]
    assert "; orders (" in result["reason"] and "; storefront (" in result["reason"]
    assert project.progress()["inventory"]["stable"]["version"] == "0.9.12"

    # Each caller says it works with both majors: the bump goes out (rolling, judged).
    for caller in ("fulfillment-worker", "orders", "storefront"):
        path = project.services / f"{caller}.yaml"
        path.write_text(path.read_text().replace(
            ", inventory]", ", {service: inventory, majors: [0, 1]}]"))
    commit(project, "callers: work with inventory 0.x and 1.x")
    metrics_exporter.set_profile(NAMESPACE, "inventory", "stable", HEALTHY)
    prometheus.wait_for_scrapes(series='http_requests_total{service="inventory"}')
    code, out, err = deliver(project, prometheus)
    assert code == 0, err
    result = next(s for s in out["services"] if s["service"] == "inventory")
    assert result["result"] == "delivered"
    assert project.progress()["inventory"]["stable"]["version"] == "1.0.0"
