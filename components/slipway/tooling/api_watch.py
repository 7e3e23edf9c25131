"""Stop an update whose Kubernetes API server went away, instead of waiting out every await.

Without it the provider retries each resource it waits for until that resource's timeout (ten
minutes for a Deployment) and then fails with a pile of connection errors. While an update
runs, `ApiServerWatch` opens a TCP connection to the API server every second; when none has
succeeded for `grace` seconds it interrupts the engine (SIGINT, a second SIGINT, then SIGKILL),
and the caller says plainly what happened. The next `slipway up` resolves what the interrupted
update left (recovery.py) and converges.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from urllib.parse import urlparse

import yaml

GRACE_S = 20.0


def server_of(kubeconfig: Path, context: str | None) -> str | None:
    """The API server URL a kubeconfig's context points at (None if it cannot be read)."""
    try:
        config = yaml.safe_load(kubeconfig.read_text()) or {}
        name = context or config.get("current-context")
        cluster = next(c["context"]["cluster"] for c in config.get("contexts", [])
                       if c["name"] == name)
        return str(next(c["cluster"]["server"] for c in config.get("clusters", [])
                        if c["name"] == cluster))
    except (OSError, StopIteration, KeyError, TypeError, yaml.YAMLError):
        return None


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _engine_pids() -> list[int]:
    """The `pulumi` processes this process started (the Automation API's CLI runs)."""
    me = os.getpid()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            exe = os.readlink(entry / "exe")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me and Path(exe).name == "pulumi":
            pids.append(int(entry.name))
    return pids


class ApiServerWatch:
    def __init__(self, server: str, grace: float = GRACE_S) -> None:
        url = urlparse(server)
        self.server = server
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.grace = grace
        self.fired = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last_seen = time.monotonic()
        while not self._stop.wait(1.0):
            if _reachable(self.host, self.port):
                last_seen = time.monotonic()
            elif time.monotonic() - last_seen > self.grace:
                self.fired = True
                self._interrupt()
                return

    def _interrupt(self) -> None:
        for sig, wait in ((signal.SIGINT, 5.0), (signal.SIGINT, 10.0), (signal.SIGKILL, 0.0)):
            pids = _engine_pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            if self._stop.wait(wait):
                return

    def message(self, context: str | None) -> str:
        where = f" (context {context})" if context else ""
        return (f"slipway: the Kubernetes API server {self.server}{where} stopped answering "
                f"during the update; stopped it after {self.grace:.0f} s without an answer "
                "instead of waiting out every resource's timeout. Start the cluster again "
                "(`slipway cluster up` for the local one) and run `slipway up`: it resolves "
                "what this update left pending and converges.")

    def __enter__(self) -> ApiServerWatch:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
