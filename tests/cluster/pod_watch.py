"""Every change of a service's server pods, from the API server's watch (not sampled), so the
fewest ready pods over an update is exact: a dip between two polls cannot hide.

`kubectl get pods --watch --output-watch-events -o json` streams one event per pod change, in
the API server's order; replaying them gives the set of ready pods after every change. A pod
being deleted counts as not ready from the moment it carries a deletionTimestamp (its
endpoints are going).
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable
from typing import Any

from cluster.kube import Kube, ready


class ReadyPodWatch:
    """Ready server pods of one service after every watched change, while the `with` runs."""

    def __init__(self, kube: Kube, namespace: str, service: str) -> None:
        self.kube, self.namespace, self.service = kube, namespace, service
        self.pods: dict[str, dict[str, Any]] = {}
        self.counts: list[int] = []
        """Ready pods after each event, in order."""
        self.seen: set[str] = set()
        """Every pod the watch has reported."""
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None

    def ready_names(self) -> set[str]:
        with self._lock:
            return {name for name, pod in self.pods.items() if _serving(pod)}

    def _apply(self, event: dict[str, Any]) -> None:
        pod = event["object"]
        name = pod["metadata"]["name"]
        with self._lock:
            self.seen.add(name)
            if event["type"] == "DELETED":
                self.pods.pop(name, None)
            else:
                self.pods[name] = pod
            self.counts.append(sum(1 for p in self.pods.values() if _serving(p)))

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        decoder, buffer = json.JSONDecoder(), ""
        for line in self._process.stdout:
            buffer += line
            while buffer.strip():
                try:
                    event, end = decoder.raw_decode(buffer.lstrip())
                except json.JSONDecodeError:
                    break  # an event split over lines: read on
                buffer = buffer.lstrip()[end:]
                if event.get("type") in ("ADDED", "MODIFIED", "DELETED"):
                    self._apply(event)

    def __enter__(self) -> ReadyPodWatch:
        selector = f"app.kubernetes.io/name={self.service},app.kubernetes.io/component=server"
        self._process = subprocess.Popen(
            [str(self.kube.kubectl), "--kubeconfig", str(self.kube.kubeconfig), "--context",
             self.kube.context, "get", "pods", "-n", self.namespace, "-l", selector, "--watch",
             "--output-watch-events", "-o", "json", "--request-timeout", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        assert self._process is not None and self._thread is not None
        self._process.terminate()
        self._process.wait(timeout=30)
        self._thread.join(timeout=30)

    def caught_up(self) -> Callable[[], bool]:
        """A condition: the watch's ready pods are what the API server lists now."""
        def check() -> bool:
            listed = {p["metadata"]["name"] for p in self.kube.items(
                "pods", self.namespace, f"app.kubernetes.io/name={self.service}",
                "app.kubernetes.io/component=server") if _serving(p)}
            return listed == self.ready_names()
        return check

    def fewest_ready_since(self, start: int) -> int:
        """The fewest ready pods after event number `start` (len(counts) when the update
        began)."""
        with self._lock:
            later = self.counts[start:]
        return min(later) if later else len(self.ready_names())


def _serving(pod: dict[str, Any]) -> bool:
    return ready(pod) and not pod["metadata"].get("deletionTimestamp")
