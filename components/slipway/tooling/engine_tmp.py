"""A private temporary directory for the engine and its plugins, removed when Slipway exits.

The Kubernetes provider writes the kubeconfig it is given to a new file in $TMPDIR on every
run (for Helm) and never removes it: without this, every `slipway up` or preview left a copy
of the cluster's credentials in /tmp. The engine's workspaces point $TMPDIR here instead.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path


@functools.cache
def engine_tmpdir() -> Path:
    """This process's directory (made on first use, mode 0700); gone when the process exits."""
    directory = Path(tempfile.mkdtemp(prefix="slipway-engine-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


def engine_env() -> dict[str, str]:
    """The environment entries that send the engine's temporary files there."""
    directory = str(engine_tmpdir())
    return {"TMPDIR": directory, "TMP": directory, "TEMP": directory}
