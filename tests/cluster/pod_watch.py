"""Every change of a service's server pods, from the API server's watch (not sampled), so the
fewest ready pods over an update is exact: a dip between two polls cannot hide.

Replaying the watch's events (cluster/object_watch.py) gives the set of ready pods after every
change. A pod being deleted counts as not ready from the moment it carries a
deletionTimestamp (its endpoints are going).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cluster.kube import Kube, ready
from cluster.object_watch import ObjectWatch


class ReadyPodWatch(ObjectWatch):
    """Ready server pods of one service after every watched change, while the `with` runs."""

    def __init__(self, kube: Kube, namespace: str, service: str) -> None:
        super().__init__(kube, "pods", namespace, f"app.kubernetes.io/name={service}",
                         "app.kubernetes.io/component=server")
        self.service = service

    @property
    def counts(self) -> list[int]:
        """Ready pods after each event, in order."""
        return [sum(1 for p in pods.values() if _serving(p)) for pods in self.history()]

    def ready_names(self) -> set[str]:
        with self._lock:
            return {name for name, pod in self.objects.items() if _serving(pod)}

    def caught_up(self) -> Callable[[], bool]:
        """A condition: the watch's ready pods are what the API server lists now."""
        def check() -> bool:
            return {p["metadata"]["name"] for p in self.listed()
                    if _serving(p)} == self.ready_names()
        return check

    def fewest_ready_since(self, start: int) -> int:
        """The fewest ready pods after event number `start` (len(counts) when the update
        began)."""
        later = self.counts[start:]
        return min(later) if later else len(self.ready_names())


def _serving(pod: dict[str, Any]) -> bool:
    return ready(pod) and not pod["metadata"].get("deletionTimestamp")
