"""The `pulumi` on PATH, version-checked once per process.

The Automation API checks the CLI's version with a `pulumi version` process (0.1 s) before it
runs any command. The `slipway` command starts that check on a thread as it starts
(`start`), so it runs while the command's own modules import instead of after them;
`command()` takes its result, or checks now when nothing started it (the tool's functions
called from Python, tests).
"""

from __future__ import annotations

import functools
from concurrent.futures import Future

from pulumi import automation as auto

from .background import in_background

_started: list[Future[auto.PulumiCommand]] = []
"""The check `start` started (at most one)."""


def start() -> None:
    """Start the version check on a daemon thread (once)."""
    if not _started:
        _started.append(in_background(auto.PulumiCommand, "pulumi-version"))


@functools.cache
def command() -> auto.PulumiCommand:
    """The checked `pulumi` (a failed check raises here, as `auto.PulumiCommand()` does)."""
    return _started[0].result() if _started else auto.PulumiCommand()
