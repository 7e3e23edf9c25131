"""Switching a live service's release strategy with `slipway release switch`, against real
controllers: an `up` refuses the change (it would replace the Deployment), the switch never
lets the service's ready pods drop below its minimum (read from the API server's watch, not
sampled), and at the end only the new strategy's objects exist."""

from __future__ import annotations

from typing import Any

import pytest
from cluster.deployment import NAMESPACE, Deployed, edited, slipway
from cluster.kube import Kube, available
from cluster.pod_watch import ReadyPodWatch
from pulumi import automation as auto

from engine_project import Project

MINIMUM = 2  # inventory's scaling.min in dev
TRACK = "slipway.dev/track"


def names(kube: Kube, kind: str, service: str) -> set[str]:
    return {item["metadata"]["name"] for item in kube.items(
        kind, NAMESPACE, f"app.kubernetes.io/name={service}")}


def deployment(kube: Kube, name: str) -> dict[str, Any]:
    return kube.get("deployment", name, "-n", NAMESPACE)


def switch_watched(project: Project, kube: Kube, service: str) -> tuple[int, dict[str, Any]]:
    """Run `slipway release switch` while watching the service's pods; (fewest ready pods
    during the switch, the command's JSON). The watch must have seen the bridge's pods, so it
    cannot pass by seeing nothing."""
    with ReadyPodWatch(kube, NAMESPACE, service) as watch:
        kube.wait_until("the pod watch to list what the API server has", watch.caught_up(),
                        timeout=120)
        assert len(watch.ready_names()) >= MINIMUM, watch.ready_names()
        start = len(watch.counts)
        code, out, err = slipway(project, "release", "switch", service, "--stack", "dev")
        assert code == 0, err[-3000:]
        # Everything the switch did has reached the watch before it is read.
        kube.wait_until("the pod watch to catch up", watch.caught_up(), timeout=120)
        bridge_pods = {name for name in watch.seen if name.startswith(f"{service}-bridge-")}
        assert len(bridge_pods) >= MINIMUM, watch.seen
        assert not bridge_pods & watch.ready_names()  # gone by the end
        fewest = watch.fewest_ready_since(start)
        print(f"{service}: {len(watch.counts) - start} pod events, fewest ready {fewest}")
        return fewest, out


def test_switching_rolling_to_canary_and_back_keeps_the_minimum_and_leaves_no_old_objects(
        deployed: Deployed, project: Project, kube: Kube) -> None:
    kube.wait_until("inventory available", lambda: available(deployment(kube, "inventory")),
                    timeout=120)
    original = (project.services / "inventory.yaml").read_text()
    with edited(project, "inventory", original + "release: {strategy: canary}\n") as path:
        with pytest.raises(auto.errors.CommandError) as refused:
            project.up()
        assert "slipway release switch inventory --stack dev" in str(refused.value)
        assert TRACK not in deployment(kube, "inventory")["spec"]["selector"]["matchLabels"]

        fewest, out = switch_watched(project, kube, "inventory")
        assert fewest >= MINIMUM
        assert [step["message"] for step in out["steps"]] == [
            "slipway release switch inventory 0.9.12"] * 3
        assert "replace" not in str([step["changes"] for step in out["steps"]])
        assert names(kube, "deployments", "inventory") == {"inventory"}
        assert deployment(kube, "inventory")["spec"]["selector"]["matchLabels"][TRACK] == "stable"
        assert names(kube, "services", "inventory") == {"inventory", "inventory-stable"}

        path.write_text(original)  # back to rolling
        fewest, out = switch_watched(project, kube, "inventory")
        assert fewest >= MINIMUM
        assert "replace" not in str([step["changes"] for step in out["steps"]])
        assert names(kube, "deployments", "inventory") == {"inventory"}
        assert TRACK not in deployment(kube, "inventory")["spec"]["selector"]["matchLabels"]
        assert names(kube, "services", "inventory") == {"inventory"}
        assert names(kube, "horizontalpodautoscalers", "inventory") == {"inventory"}
        assert "inventory-bridge" not in names(kube, "poddisruptionbudgets", "inventory")
