"""Recovering a stack whose last update was interrupted (a killed runner, a lost machine).

Pulumi then leaves two things behind: the lock of the dead update (file backends keep it as a
file), which refuses every later update, and "pending operations" in the state: resources it
had started to create, update or delete without hearing back. Slipway resolves both itself
before an update, and says what it did:

- a lock whose process is gone (same host, pid not running) is removed; a live lock is never
  touched, so a concurrent update is still refused;
- pending operations are dropped from the state and the update that follows refreshes from
  the cluster first, so whatever the dead update did get done is read back rather than guessed
  (server-side apply adopts an object that was created but never recorded).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from pulumi import automation as auto

from . import stack_cli


@dataclass(frozen=True)
class Recovery:
    removed_locks: tuple[str, ...] = ()
    pending: tuple[str, ...] = field(default_factory=tuple)  # "creating orders-deployment"

    @property
    def needs_refresh(self) -> bool:
        return bool(self.pending)

    def messages(self, stack: str) -> list[str]:
        lines = []
        if self.removed_locks:
            lines.append(f"slipway: removed the lock of an interrupted update of {stack} "
                         f"(its process is gone): {', '.join(self.removed_locks)}")
        if self.pending:
            lines.append(f"slipway: the last update of {stack} was interrupted with "
                         f"{len(self.pending)} operation(s) pending ({'; '.join(self.pending)}); "
                         "cleared them and refreshing from the cluster before this update")
        return lines


def _process_alive(pid: int) -> bool:
    """Running (a zombie, killed but not yet reaped by its new parent, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def backend_dir(env: dict[str, str] | None = None) -> Path | None:
    """The directory of a file:// backend (None for any other backend)."""
    url = (env or dict(os.environ)).get("PULUMI_BACKEND_URL", "")
    if not url.startswith("file://"):
        return None
    return Path(urlparse(url).path or url.removeprefix("file://")).expanduser()


def lock_files(backend: Path, stack: str) -> list[Path]:
    return sorted(backend.glob(f".pulumi/locks/**/{stack}/*.json"))


def stale_locks(backend: Path, stack: str) -> list[Path]:
    """Lock files of `stack` held by a process of this host that no longer runs."""
    stale = []
    host = socket.gethostname()
    for lock in lock_files(backend, stack):
        try:
            holder = json.loads(lock.read_text())
            pid = int(holder.get("pid", 0))
        except (OSError, ValueError):
            continue
        if pid and holder.get("hostname") == host and not _process_alive(pid):
            stale.append(lock)
    return stale


def pending_operations(selected: auto.Stack) -> list[dict[str, object]]:
    # Exported without decrypting secrets: only the pending operations are read.
    state = stack_cli.run_json(selected, "stack", "export") or {}
    deployment = state.get("deployment") or {}
    return list(deployment.get("pending_operations") or [])


def recover(selected: auto.Stack, stack: str) -> Recovery:
    """Resolve what an interrupted update left behind (see the module docstring)."""
    removed = []
    backend = backend_dir()
    if backend is not None:
        for lock in stale_locks(backend, stack):
            lock.unlink(missing_ok=True)
            removed.append(lock.name)
        if lock_files(backend, stack):
            # A live update holds the stack: its pending operations are its own business, and
            # the update about to start is refused by its lock.
            return Recovery(removed_locks=tuple(removed))
    pending = pending_operations(selected)
    described = []
    if pending:
        state = selected.export_stack()
        deployment = dict(state.deployment or {})
        for op in pending:
            resource = op.get("resource") or {}
            urn = str(resource.get("urn", "?")) if isinstance(resource, dict) else "?"
            described.append(f"{op.get('type', '?')} {urn.rsplit('::', 1)[-1]}")
        deployment["pending_operations"] = []
        selected.import_stack(auto.Deployment(version=state.version, deployment=deployment))
    return Recovery(removed_locks=tuple(removed), pending=tuple(described))
