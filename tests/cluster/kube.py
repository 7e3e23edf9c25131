"""What the cluster tests read back from the API server: kubectl (the one built with the
cluster) with the test cluster's kubeconfig, JSON in, dicts out."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Kube:
    kubectl: Path
    kubeconfig: Path
    context: str

    def run(self, *args: str, stdin: str | None = None, check: bool = True,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.kubectl), "--kubeconfig", str(self.kubeconfig), "--context", self.context,
             *args], input=stdin, capture_output=True, text=True, timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def get(self, *args: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.run("get", *args, "-o", "json").stdout)
        return data

    def items(self, kind: str, namespace: str, *selector: str) -> list[dict[str, Any]]:
        args = [kind, "-n", namespace, *(("-l", ",".join(selector)) if selector else ())]
        return list(self.get(*args).get("items", []))

    def wait_until(self, what: str, condition: Callable[[], bool], timeout: float = 180,
                   every: float = 0.25) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(every)


def ready(pod: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in pod.get("status", {}).get("conditions", []))


def available(deployment: dict[str, Any]) -> bool:
    """Rolled out and available: what the provider's await waits for."""
    spec, status = deployment["spec"], deployment.get("status", {})
    want = int(spec.get("replicas", 1))
    return bool(status.get("observedGeneration", 0) >= deployment["metadata"]["generation"]
                and status.get("updatedReplicas", 0) == want
                and status.get("availableReplicas", 0) == want
                and status.get("replicas", 0) == want)


def complete(job: dict[str, Any]) -> bool:
    return any(c["type"] == "Complete" and c["status"] == "True"
               for c in job.get("status", {}).get("conditions", []))
