"""Releases against real controllers: an image change rolls a new ReplicaSet without ever
dropping below the ready minimum, canary steps and rollback move real ReplicaSets and the
route's weights, a blue-green flip changes only Service selectors, a migration Job runs before
the new version and a failing one stops the update, and the PDB makes evictions refuse."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cluster.deployment import (
    NAMESPACE,
    Deployed,
    edited,
    replace_digest,
    slipway,
    up_from_files,
)
from cluster.kube import Kube, available, complete, ready
from pulumi import automation as auto

from engine_project import Project

NEW = "e" * 64
STOREFRONT_IMAGE = f"registry.example.com/shop/storefront@sha256:{NEW}"
PAYMENTS_IMAGE = f"registry.example.com/shop/payments@sha256:{NEW}"


def release(project: Project, *args: str) -> dict[str, Any]:
    code, out, err = slipway(project, "release", *args, "--stack", "dev")
    assert code == 0, err[-3000:]
    return out


def reset_releases(project: Project, converge: bool = True) -> None:
    """Back to the service files' versions: the recorded release progress is dropped
    (converged now unless told; `edited` converges on its way out)."""
    if converge:
        up_from_files(project)


def server_pods(kube: Kube, service: str) -> list[dict[str, Any]]:
    return kube.items("pods", NAMESPACE, f"app.kubernetes.io/name={service}",
                      "app.kubernetes.io/component=server")


def replica_sets(kube: Kube, service: str) -> dict[str, tuple[str, int]]:
    """ReplicaSet name -> (image, ready replicas) of one service."""
    return {rs["metadata"]["name"]: (rs["spec"]["template"]["spec"]["containers"][0]["image"],
                                     rs.get("status", {}).get("readyReplicas", 0))
            for rs in kube.items("replicasets", NAMESPACE, f"app.kubernetes.io/name={service}")}


class ReadyWatch:
    """Samples a Deployment's available and total replicas while an update runs."""

    def __init__(self, kube: Kube, deployment: str) -> None:
        self.kube, self.deployment = kube, deployment
        self.samples: list[tuple[int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            status = self.kube.get("deployment", self.deployment, "-n", NAMESPACE)["status"]
            self.samples.append((status.get("availableReplicas", 0), status.get("replicas", 0)))
            time.sleep(0.1)

    def __enter__(self) -> ReadyWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def wait_available(kube: Kube, name: str, replicas: int) -> None:
    kube.wait_until(f"{name} available with {replicas} replicas", lambda: (
        (d := kube.get("deployment", name, "-n", NAMESPACE))["spec"].get("replicas") == replicas
        and available(d)), timeout=90)


def test_image_change_rolls_a_new_replica_set_never_below_the_ready_minimum(
        deployed: Deployed, project: Project, kube: Kube) -> None:
    wait_available(kube, "inventory", 2)  # its HPA's minimum
    old_image = deployments_of(kube, "inventory")["inventory"]
    text = (project.services / "inventory.yaml").read_text()
    with edited(project, "inventory", replace_digest(text, "inventory", NEW)):
        with ReadyWatch(kube, "inventory") as watch:
            project.up()
        new_image = old_image.rsplit(":", 1)[0] + ":" + NEW
        serving = {image: n for image, n in replica_sets(kube, "inventory").values() if n}
        assert serving == {new_image: 2}  # a new ReplicaSet took over; the old one is at 0
        # maxUnavailable 0: never fewer available than 2; maxSurge 1: never more than 3 pods.
        assert watch.samples
        assert min(a for a, _ in watch.samples) >= 2, watch.samples
        assert max(total for _, total in watch.samples) <= 3, watch.samples
        assert any(total == 3 for _, total in watch.samples)  # a surge pod did exist


def route_weights(kube: Kube) -> list[tuple[str, int]]:
    route = kube.get("httproute.gateway.networking.k8s.io", "storefront", "-n", NAMESPACE)
    return [(ref["name"], ref["weight"]) for ref in route["spec"]["rules"][0]["backendRefs"]]


def deployments_of(kube: Kube, service: str) -> dict[str, str]:
    return {d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"]
            for d in kube.items("deployments", NAMESPACE, f"app.kubernetes.io/name={service}")
            if available(d)}


def test_canary_steps_and_rollback_move_replica_sets_and_route_weights(
        deployed: Deployed, project: Project, kube: Kube) -> None:
    stable = deployments_of(kube, "storefront")["storefront"]
    assert route_weights(kube) == [("storefront-stable", 100)]
    try:
        # 1 -> 5 -> 25 -> 100: real pods of the candidate serve each step's share.
        release(project, "start", "storefront", "--version", "2.5.0",
                "--image", STOREFRONT_IMAGE)
        assert route_weights(kube) == [("storefront-stable", 99), ("storefront-canary", 1)]
        assert deployments_of(kube, "storefront") == {"storefront": stable,
                                                      "storefront-canary": STOREFRONT_IMAGE}
        canary_sets = [rs for rs, (image, ready_) in replica_sets(kube, "storefront").items()
                       if image == STOREFRONT_IMAGE and ready_ >= 1]
        assert len(canary_sets) == 1
        for weight in (5, 25):
            assert release(project, "promote", "storefront")["weight"] == weight
            assert route_weights(kube) == [("storefront-stable", 100 - weight),
                                           ("storefront-canary", weight)]
        out = release(project, "promote", "storefront")
        assert out["candidate"] is None
        assert route_weights(kube) == [("storefront-stable", 100)]
        # At 100 the stable Deployment rolled to the candidate; the canary track is gone.
        assert deployments_of(kube, "storefront") == {"storefront": STOREFRONT_IMAGE}
        kube.wait_until("only the new version's pods", lambda: {
            p["spec"]["containers"][0]["image"] for p in server_pods(kube, "storefront")
        } == {STOREFRONT_IMAGE})
        assert {image for image, n in replica_sets(kube, "storefront").values() if n} == {
            STOREFRONT_IMAGE}

        # A rollback: the next candidate's canary ReplicaSet goes, the weights return to 100.
        third = STOREFRONT_IMAGE.replace(NEW, "c" * 64)
        release(project, "start", "storefront", "--version", "2.6.0", "--image", third)
        assert route_weights(kube) == [("storefront-stable", 99), ("storefront-canary", 1)]
        release(project, "rollback", "storefront")
        assert route_weights(kube) == [("storefront-stable", 100)]
        kube.wait_until("the canary's pods gone", lambda: not any(
            p["spec"]["containers"][0]["image"] == third
            for p in server_pods(kube, "storefront")))
        assert deployments_of(kube, "storefront") == {"storefront": STOREFRONT_IMAGE}
    finally:
        reset_releases(project)


def selectors_and_templates(kube: Kube, service: str) -> tuple[dict[str, Any], dict[str, Any]]:
    services = {s["metadata"]["name"]: s["spec"]["selector"]
                for s in kube.items("services", NAMESPACE, f"app.kubernetes.io/name={service}")}
    # The pod templates (not `generation`: the HPA scaling the live slot bumps that).
    templates = {d["metadata"]["name"]: json.dumps(d["spec"]["template"], sort_keys=True)
                 for d in kube.items("deployments", NAMESPACE,
                                     f"app.kubernetes.io/name={service}")}
    return services, templates


def test_blue_green_flip_and_flip_back_change_only_service_selectors(
        deployed: Deployed, project: Project, kube: Kube) -> None:
    path = project.services / "payments.yaml"
    rolling = path.read_text()
    with edited(project, "payments", rolling + "release: {strategy: blue-green}\n"):
        try:
            release(project, "switch", "payments")  # a live service: `up` would refuse
            release(project, "start", "payments", "--version", "3.2.0",
                    "--image", PAYMENTS_IMAGE)
            kube.wait_until("both slots available", lambda: set(
                deployments_of(kube, "payments")) == {"payments-blue", "payments-green"})
            services, templates = selectors_and_templates(kube, "payments")
            assert services["payments"]["slipway.dev/slot"] == "blue"

            release(project, "promote", "payments")  # the flip
            flipped, flipped_templates = selectors_and_templates(kube, "payments")
            assert flipped["payments"]["slipway.dev/slot"] == "green"
            assert flipped_templates == templates  # no Deployment was touched
            assert {k: v for k, v in flipped.items() if v != services[k]}.keys() >= {"payments"}

            release(project, "rollback", "payments")  # flip back
            back, back_templates = selectors_and_templates(kube, "payments")
            assert back == services and back_templates == templates

            # Back to rolling with a live slot and a candidate recorded: the switch clears them.
            path.write_text(rolling)
            release(project, "switch", "payments")
            assert set(deployments_of(kube, "payments")) == {"payments"}
            assert set(selectors_and_templates(kube, "payments")[0]) == {"payments"}
        finally:
            reset_releases(project, converge=False)  # `edited` converges on the way out


def test_migration_job_completes_before_the_new_version_rolls_out(
        deployed: Deployed, project: Project, kube: Kube) -> None:
    text = (project.services / "orders.yaml").read_text()
    bumped = replace_digest(text, "orders", NEW).replace("version: 1.8.3", "version: 1.9.0")
    with edited(project, "orders", bumped):
        project.up()
        job = kube.get("job", "orders-migrate-1-9-0", "-n", NAMESPACE)
        assert complete(job)
        finished = job["status"]["completionTime"]
        new_sets = [rs for rs in kube.items("replicasets", NAMESPACE,
                                            "app.kubernetes.io/name=orders")
                    if rs["spec"]["template"]["spec"]["containers"][0]["image"].endswith(NEW)]
        assert len(new_sets) == 1
        # RFC 3339 UTC timestamps compare as strings: the new version came after the Job.
        assert new_sets[0]["metadata"]["creationTimestamp"] >= finished


def test_failing_migration_stops_the_update_and_leaves_the_old_version_serving(
        deployed: Deployed, project: Project, kube: Kube) -> None:
    text = (project.services / "orders.yaml").read_text()
    before = deployments_of(kube, "orders")
    failing = (replace_digest(text, "orders", NEW).replace("version: 1.8.3", "version: 1.9.1")
               .replace("command: [/app/migrate, up]",
                        "command: [/app/migrate, up, slipway.dev/simulate=fail]\n"
                        "  backoffLimit: 0"))
    with edited(project, "orders", failing):
        with pytest.raises(auto.errors.CommandError) as caught:
            project.up()
        message = str(caught.value)
        assert "orders-migrate-1-9-1" in message
        assert "failed" in message.lower()
        job = kube.get("job", "orders-migrate-1-9-1", "-n", NAMESPACE)
        assert any(c["type"] == "Failed" and c["status"] == "True"
                   for c in job["status"]["conditions"])
        assert deployments_of(kube, "orders") == before  # the old version still serves
        assert all(not p["spec"]["containers"][0]["image"].endswith(NEW)
                   for p in server_pods(kube, "orders"))


def evict(kube: Kube, pod: str) -> tuple[bool, str]:
    body = json.dumps({"apiVersion": "policy/v1", "kind": "Eviction",
                       "metadata": {"name": pod, "namespace": NAMESPACE}})
    result = kube.run("create", "--raw",
                      f"/api/v1/namespaces/{NAMESPACE}/pods/{pod}/eviction", "-f", "-",
                      stdin=body, check=False)
    return result.returncode == 0, result.stderr


@pytest.fixture
def orders_at_minimum(deployed: Deployed, kube: Kube) -> Iterator[None]:
    wait_available(kube, "orders", 3)
    yield
    wait_available(kube, "orders", 3)


def test_pdb_makes_the_eviction_api_refuse_what_would_break_the_budget(
        orders_at_minimum: None, kube: Kube) -> None:
    pdb = kube.get("pdb", "orders", "-n", NAMESPACE)
    assert pdb["spec"]["maxUnavailable"] == 1
    kube.wait_until("the PDB allows one disruption", lambda: kube.get(
        "pdb", "orders", "-n", NAMESPACE)["status"].get("disruptionsAllowed") == 1)
    pods = [p["metadata"]["name"] for p in server_pods(kube, "orders") if ready(p)]
    assert len(pods) == 3
    first, _ = evict(kube, pods[0])
    second, refusal = evict(kube, pods[1])  # at once: the first pod's replacement is not Ready
    assert first
    assert not second
    assert "disruption budget" in refusal
    assert kube.run("get", "pod", pods[1], "-n", NAMESPACE, check=False).returncode == 0
