"""A private temporary directory for the engine and its plugins, removed when Slipway exits.

The Kubernetes provider writes the kubeconfig it is given to a new file in $TMPDIR on every
run (for Helm) and never removes it: without this, every `slipway up` or preview left a copy
of the cluster's credentials in /tmp. The engine's workspaces point $TMPDIR here instead.
A process killed outright cannot remove its directory; the next one removes it (the name
carries the pid of the process it belonged to).
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from pathlib import Path

from .recovery import process_alive

PREFIX = "slipway-engine-"


def remove_orphans(parent: Path) -> list[Path]:
    """Remove this user's engine directories in `parent` whose process is gone."""
    removed = []
    for directory in parent.glob(f"{PREFIX}*-*"):
        pid = directory.name[len(PREFIX):].split("-", 1)[0]
        try:
            mine = directory.is_dir() and directory.stat().st_uid == os.getuid()
        except OSError:
            continue
        if mine and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
    return removed


@functools.cache
def engine_tmpdir() -> Path:
    """This process's directory (made on first use, mode 0700); gone when the process exits."""
    remove_orphans(Path(tempfile.gettempdir()))
    directory = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


def engine_env() -> dict[str, str]:
    """The environment entries that send the engine's temporary files there."""
    directory = str(engine_tmpdir())
    return {"TMPDIR": directory, "TMP": directory, "TEMP": directory}
