"""Every change of some objects, from the API server's watch (not sampled), in the API server's
order, so a state that lasted only between two polls cannot hide.

`kubectl get <kind> --watch --output-watch-events -o json` streams one event per change;
`snapshots` holds the objects (name -> object) after every event. The first events list what
already exists (ADDED), so a watch started before a command sees its whole effect.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable
from typing import Any, Self

from cluster.kube import Kube


class ObjectWatch:
    """The objects of one kind that a selector picks, after every watched change."""

    def __init__(self, kube: Kube, kind: str, namespace: str, *selector: str,
                 field_selector: str | None = None) -> None:
        self.kube, self.kind, self.namespace = kube, kind, namespace
        self.selector, self.field_selector = selector, field_selector
        self.objects: dict[str, dict[str, Any]] = {}
        self.snapshots: list[dict[str, dict[str, Any]]] = []
        """The objects after each event, in order (objects are replaced, never changed)."""
        self.seen: set[str] = set()
        """Every object name the watch has reported."""
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None

    def _filters(self) -> list[str]:
        return [*(("-l", ",".join(self.selector)) if self.selector else ()),
                *(("--field-selector", self.field_selector) if self.field_selector else ())]

    def _apply(self, event: dict[str, Any]) -> None:
        item = event["object"]
        name = item["metadata"]["name"]
        with self._lock:
            self.seen.add(name)
            if event["type"] == "DELETED":
                self.objects.pop(name, None)
            else:
                self.objects[name] = item
            self.snapshots.append(dict(self.objects))

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

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(
            [str(self.kube.kubectl), "--kubeconfig", str(self.kube.kubeconfig), "--context",
             self.kube.context, "get", self.kind, "-n", self.namespace, *self._filters(),
             "--watch", "--output-watch-events", "-o", "json", "--request-timeout", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        assert self._process is not None and self._thread is not None
        self._process.terminate()
        self._process.wait(timeout=30)
        self._thread.join(timeout=30)

    def history(self) -> list[dict[str, dict[str, Any]]]:
        with self._lock:
            return list(self.snapshots)

    def listed(self) -> list[dict[str, Any]]:
        """What the API server lists now for the same kind and selectors."""
        return list(self.kube.get(self.kind, "-n", self.namespace,
                                  *self._filters()).get("items", []))

    def caught_up(self) -> Callable[[], bool]:
        """A condition: the watch holds every object the API server lists now, at the same
        resourceVersion."""
        def check() -> bool:
            now = {i["metadata"]["name"]: i["metadata"]["resourceVersion"] for i in self.listed()}
            with self._lock:
                held = {name: i["metadata"]["resourceVersion"]
                        for name, i in self.objects.items()}
            return now == held
        return check
