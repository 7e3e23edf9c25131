"""Recovering a stack whose last update was interrupted (a killed runner, a lost machine).

Pulumi then leaves two things behind: the lock of the dead update (file backends keep it as a
file), which refuses every later update, and "pending operations" in the state: resources it
had started to create, update or delete without hearing back. Slipway resolves both itself
before an update, and says what it did:

- a lock whose process is gone (same host, pid not running) is removed; a live lock is never
  touched, so a concurrent update is still refused;
- pending operations (read from a file backend's state file when its layout is certain,
  else from `pulumi stack export`) are dropped from the state and the update that follows
  refreshes from the cluster first, so whatever the dead update did get done is read back
  rather than guessed (server-side apply adopts an object that was created but never
  recorded).
"""

from __future__ import annotations

import json
import os
import re
import socket
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from pulumi import automation as auto

from . import stack_cli
from .background import in_background


@dataclass(frozen=True)
class Recovery:
    removed_locks: tuple[str, ...] = ()
    pending: tuple[str, ...] = field(default_factory=tuple)  # "creating orders-deployment"

    @property
    def needs_refresh(self) -> bool:
        return bool(self.pending)

    def messages(self, stack: str, *, rendering: bool = False) -> list[str]:
        """What was done, for the user. `rendering`: the stack renders manifests into a
        directory, which has no cluster to refresh from; the state still holds what those
        resources were before, so the update applies the change to them again."""
        lines = []
        if self.removed_locks:
            lines.append(f"slipway: removed the lock of an interrupted update of {stack} "
                         f"(its process is gone): {', '.join(self.removed_locks)}")
        if self.pending:
            then = ("this update applies what they were changing again" if rendering
                    else "refreshing from the cluster before this update")
            lines.append(f"slipway: the last update of {stack} was interrupted with "
                         f"{len(self.pending)} operation(s) pending ({'; '.join(self.pending)}); "
                         f"cleared them and {then}")
        return lines


def process_alive(pid: int) -> bool:
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
        if pid and holder.get("hostname") == host and not process_alive(pid):
            stale.append(lock)
    return stale


def state_file(backend: Path, project: str, stack: str) -> Path | None:
    """The file a file backend keeps the stack's state in, when it is certain: the
    project-scoped layout (`.pulumi/meta.yaml` version 1) and only the uncompressed
    `.pulumi/stacks/<project>/<stack>.json` (Pulumi reads the newest of `.json`, `.json.gz`
    and `.json.zst`). None otherwise: the caller asks the CLI."""
    try:
        meta = (backend / ".pulumi" / "meta.yaml").read_text()
    except OSError:
        return None
    if not re.search(r"^version:\s*1\s*$", meta, re.MULTILINE):
        return None
    plain = backend / ".pulumi" / "stacks" / project / f"{stack}.json"
    compressed = [plain.with_name(plain.name + ext) for ext in (".gz", ".zst")]
    if not plain.is_file() or any(path.exists() for path in compressed):
        return None
    return plain


_CHECKPOINT_V3 = re.compile(rb'\s*\{\s*"version"\s*:\s*3\s*,')


def pending_in_state_file(path: Path) -> list[dict[str, object]] | None:
    """The pending operations a file backend's state file records; None when the file is not
    a version 3 checkpoint (the caller asks the CLI)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not _CHECKPOINT_V3.match(data):
        return None
    # The key only ever appears as the deployment's own field (inside a string value its
    # quotes would be escaped), and Pulumi omits it when empty: most states are never parsed.
    if b'"pending_operations"' not in data:
        return []
    latest = (json.loads(data).get("checkpoint") or {}).get("latest") or {}
    return list(latest.get("pending_operations") or [])


def pending_operations(selected: auto.Stack) -> list[dict[str, object]]:
    """The stack's pending operations. On a file backend they are read from its state file
    (0.05 s for a 50-service stack; `pulumi stack export` takes 0.4 s to print the whole state
    for the one field); on any other backend, or a file layout this does not know, from the
    export (which decrypts nothing)."""
    backend = backend_dir()
    if backend is not None:
        parts = selected.name.split("/")  # dev, or organization/project/dev
        project = parts[1] if len(parts) == 3 else selected.workspace.project_settings().name
        path = state_file(backend, project, parts[-1])
        found = pending_in_state_file(path) if path is not None else None
        if found is not None:
            return found
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


def start(selected: auto.Stack, stack: str) -> Future[Recovery]:
    """`recover` on a thread, for a caller with other reads to make before the update; the
    update takes its result. Nothing else may change the stack's state meanwhile: its outputs
    and config, what those other reads read, are left as they were."""
    return in_background(lambda: recover(selected, stack), f"recover-{stack}")
