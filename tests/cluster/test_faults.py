"""Faults during an update, against the real cluster: a runner killed midway, two updates at
once, the API server going away; and drift made behind Slipway's back."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cluster.deployment import NAMESPACE, Deployed, replace_digest, slipway
from cluster.kube import Kube, available
from runners import SLIPWAY, kill_runner

from engine_project import Project
from slipway.tooling.cluster import LocalCluster

CHANGED = ("inventory", "recommendations", "fulfillment-worker")


def start_up(project: Project, *extra: str) -> subprocess.Popen[str]:
    """`slipway up` in a session of its own (so a test can kill the whole runner)."""
    return subprocess.Popen([str(SLIPWAY), "up", "--stack", "dev", "--project-dir",
                             str(project.path), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def locks(project: Project) -> list[Path]:
    return list(project.backend.glob(".pulumi/locks/**/dev/*.json"))


def images(kube: Kube) -> dict[str, str]:
    return {d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"]
            for d in kube.items("deployments", NAMESPACE)}


def new_replica_set_exists(kube: Kube, digest: str) -> bool:
    return any(rs["spec"]["template"]["spec"]["containers"][0]["image"].endswith(digest)
               for rs in kube.items("replicasets", NAMESPACE))


@pytest.fixture
def catalog_restored(project: Project) -> Iterator[dict[str, str]]:
    """The service files as they were; put back (and converged) after the test."""
    originals = {name: (project.services / f"{name}.yaml").read_text() for name in CHANGED}
    yield originals
    for name, text in originals.items():
        (project.services / f"{name}.yaml").write_text(text)
    code, _, err = slipway(project, "up", "--stack", "dev")
    assert code == 0, err[-3000:]


def change_images(project: Project, originals: dict[str, str], digest: str) -> None:
    for name, text in originals.items():
        (project.services / f"{name}.yaml").write_text(replace_digest(text, name, digest))


def stack_objects(project: Project) -> set[tuple[str, str]]:
    return {(r["outputs"]["kind"], r["outputs"]["metadata"]["name"])
            for r in project.resources() if r["type"].startswith("kubernetes:")
            and r.get("outputs", {}).get("metadata", {}).get("namespace") == NAMESPACE}


KINDS = {"deployments": "Deployment", "services": "Service", "configmaps": "ConfigMap",
         "jobs": "Job", "serviceaccounts": "ServiceAccount",
         "poddisruptionbudgets": "PodDisruptionBudget",
         "horizontalpodautoscalers": "HorizontalPodAutoscaler",
         "networkpolicies": "NetworkPolicy"}


def cluster_objects(kube: Kube) -> set[tuple[str, str]]:
    """What Slipway made in the namespace (objects of KINDS no controller owns)."""
    found = set()
    for plural, kind in KINDS.items():
        for item in kube.items(plural, NAMESPACE):
            if item["metadata"].get("ownerReferences"):
                continue  # made by a controller, not by Slipway
            if kind == "ConfigMap" and item["metadata"]["name"] == "kube-root-ca.crt":
                continue
            if kind == "ServiceAccount" and item["metadata"]["name"] == "default":
                continue
            found.add((kind, item["metadata"]["name"]))
    return found


def test_killed_update_converges_on_the_next_up_without_a_manual_step(
        deployed: Deployed, project: Project, kube: Kube,
        catalog_restored: dict[str, str]) -> None:
    digest = "1" * 64
    change_images(project, catalog_restored, digest)
    runner = start_up(project)
    kube.wait_until("the update under way", lambda: new_replica_set_exists(kube, digest),
                    timeout=120, every=0.1)
    kill_runner(runner)
    assert locks(project), "a killed update leaves its lock behind"

    code, out, err = slipway(project, "up", "--stack", "dev")
    assert code == 0, err[-3000:]
    assert "removed the lock of an interrupted update of dev" in err
    # Killed while the provider awaited the rollout: the Deployment updates were pending.
    assert "operation(s) pending" in err and "refreshing from the cluster" in err, err[-3000:]
    for name in CHANGED:
        assert images(kube)[name].endswith(digest)
        assert available(kube.get("deployment", name, "-n", NAMESPACE))
    # No duplicate and no orphan: the cluster holds exactly what the state records.
    in_state = {o for o in stack_objects(project) if o[0] in KINDS.values()}
    assert cluster_objects(kube) == in_state
    code, out, err = slipway(project, "up", "--stack", "dev")
    assert code == 0 and set(out["changes"]) == {"same"}, (out, err[-2000:])


def test_a_second_concurrent_up_is_refused_by_the_lock(
        deployed: Deployed, project: Project, kube: Kube,
        catalog_restored: dict[str, str]) -> None:
    change_images(project, catalog_restored, "2" * 64)
    first = start_up(project)
    paused = False
    try:
        deadline = time.monotonic() + 60
        while not locks(project) and time.monotonic() < deadline:
            time.sleep(0.05)
        # Hold the first update (a slow one) while the second starts: otherwise, on a busy
        # machine, the first can finish before the second asks for the lock.
        os.killpg(first.pid, signal.SIGSTOP)
        paused = True
        assert locks(project), "the first update holds the lock"
        second = start_up(project)
        _, second_err = second.communicate(timeout=120)
        assert second.returncode == 1, second_err[-3000:]
        assert "the stack is currently locked by 1 lock(s)" in second_err, second_err[-3000:]
        assert "ConcurrentUpdateError" in second_err
    finally:
        if paused:
            os.killpg(first.pid, signal.SIGCONT)
        # However the second ended, the first finishes before anything else touches the stack.
        _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err[-3000:]
    code, out, err = slipway(project, "up", "--stack", "dev")
    assert code == 0 and set(out["changes"]) == {"same"}, (out, err[-2000:])


def test_api_server_stopped_midway_gives_a_clear_error_and_the_next_up_converges(
        deployed: Deployed, project: Project, kube: Kube, local_cluster: LocalCluster,
        catalog_restored: dict[str, str]) -> None:
    digest = "3" * 64
    change_images(project, catalog_restored, digest)
    runner = start_up(project)
    kube.wait_until("the update under way", lambda: new_replica_set_exists(kube, digest),
                    timeout=120, every=0.1)
    apiserver = next(p for p in local_cluster.status().processes
                     if p.component == "kube-apiserver")
    os.kill(apiserver.pid, signal.SIGKILL)
    killed = time.monotonic()
    _, err = runner.communicate(timeout=300)
    assert runner.returncode == 1
    # Said plainly, and soon: not after every resource's ten-minute await.
    assert f"the Kubernetes API server {local_cluster.status().server}" in err, err[-3000:]
    assert "stopped answering during the update" in err
    assert time.monotonic() - killed < 120
    assert local_cluster.status().state == "degraded"

    restarted = local_cluster.up()
    assert restarted.action == "restarted" and restarted.running
    code, out, err = slipway(project, "up", "--stack", "dev")
    assert code == 0, err[-3000:]
    for name in CHANGED:
        assert images(kube)[name].endswith(digest)
    code, out, err = slipway(project, "up", "--stack", "dev")
    assert code == 0 and set(out["changes"]) == {"same"}, (out, err[-2000:])


def test_drift_is_reported_by_preview_refresh_and_repaired_by_up_refresh(
        deployed: Deployed, project: Project, kube: Kube) -> None:
    before = images(kube)
    drifted = before["payments"].rsplit(":", 1)[0] + ":" + "d" * 64
    kube.run("scale", "deployment/recommendations", "--replicas=3", "-n", NAMESPACE)
    kube.run("set", "image", "deployment/payments", f"payments={drifted}", "-n", NAMESPACE)
    for name in ("recommendations", "payments"):  # the drift has settled, as it would have
        kube.run("rollout", "status", f"deployment/{name}", "-n", NAMESPACE, "--timeout=60s",
                 timeout=90)

    code, out, err = slipway(project, "preview", "--stack", "dev", "--refresh")
    assert code == 0, (out.get("plan", {}).get("errors"), err[-3000:])
    updates = sorted(s["service"] for s in out["plan"]["steps"] if s["op"] == "update")
    assert updates == ["payments", "recommendations"], out["plan"]["steps"]

    code, out, err = slipway(project, "up", "--stack", "dev", "--refresh")
    assert code == 0, err[-3000:]
    repaired: dict[str, Any] = kube.get("deployment", "recommendations", "-n", NAMESPACE)
    assert repaired["spec"]["replicas"] == 1
    assert images(kube)["payments"] == before["payments"]
    assert_converged(project)


def assert_converged(project: Project, attempts: int = 4) -> None:
    """A preview with a refresh has nothing left to change. A refresh can still read a pod that
    is a moment from Ready (a busy machine): the engine then "updates" that resource without a
    change, only to wait for it again, and the plan names it unhealthy. Only that may remain,
    and only for a moment: read again until it has settled."""
    for attempt in range(attempts):
        code, out, err = slipway(project, "preview", "--stack", "dev", "--refresh")
        assert code == 0, (out.get("plan", {}).get("errors"), err[-3000:])
        steps = out["plan"]["steps"]
        assert all(s["op"] == "update" and not s["changes"] and s["unhealthy"]
                   for s in steps), steps
        if not steps:
            assert set(out["changes"]) == {"same"}, out["changes"]
            return
        time.sleep(5 * (attempt + 1))
    raise AssertionError(f"still unhealthy after {attempts} previews: {steps}")


def test_an_unready_pod_is_named_unhealthy_by_preview_refresh_with_nothing_to_change(
        deployed: Deployed, project: Project, kube: Kube) -> None:
    pod = next(p for p in kube.items("pods", NAMESPACE)
               if p["metadata"]["name"].startswith("recommendations-")
               and not p["metadata"].get("deletionTimestamp"))
    name = pod["metadata"]["name"]
    # What a failing readiness probe does: the kubelet (here, us) marks the pod not Ready.
    kube.run("patch", "pod", name, "-n", NAMESPACE, "--subresource=status", "-p",
             '{"status":{"conditions":[{"type":"Ready","status":"False"},'
             '{"type":"ContainersReady","status":"False"}]}}')
    try:
        kube.wait_until("the pod not ready", lambda: not available(
            kube.get("deployment", "recommendations", "-n", NAMESPACE)), timeout=60)
        code, out, err = slipway(project, "preview", "--stack", "dev", "--refresh")
        assert code == 0, (out.get("plan", {}).get("errors"), err[-3000:])
        steps = {(s["type"].rsplit(":", 1)[-1], s["service"]): s for s in out["plan"]["steps"]}
        named = {("Deployment", "recommendations"), ("Service", "recommendations")}
        assert named <= set(steps), out["plan"]["steps"]
        for step in steps.values():  # nothing else of the stack changes either
            assert step["op"] == "update" and step["changes"] == [], step
        assert any("does not target any Pods" in reason
                   for reason in steps["Service", "recommendations"]["unhealthy"]), steps
        assert steps["Deployment", "recommendations"]["unhealthy"], steps
    finally:
        # A new pod in its place becomes Ready; the stack is as it was.
        kube.run("delete", "pod", name, "-n", NAMESPACE, "--wait=false")
        kube.run("rollout", "status", "deployment/recommendations", "-n", NAMESPACE,
                 "--timeout=60s", timeout=90)
    assert_converged(project)
