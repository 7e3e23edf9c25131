"""The `pulumi` on PATH, version-checked once per process.

The Automation API checks the CLI's version with a `pulumi version` process (0.1 s) before it
runs any command. The `slipway` command starts that check on a thread as it starts
(`start`), so it runs while the command's own modules import instead of after them;
`command()` takes its result, or checks now when nothing started it (the tool's functions
called from Python, tests).
"""

from __future__ import annotations

import functools
import threading
from concurrent.futures import Future

from pulumi import automation as auto

_check: Future[auto.PulumiCommand] = Future()
"""Running once `start` started it; done when the thread has the checked command."""


def _run_check() -> None:
    try:
        _check.set_result(auto.PulumiCommand())
    except BaseException as failure:  # given to whoever asks for the command
        _check.set_exception(failure)


def start() -> None:
    """Start the version check on a daemon thread (once): a command that never runs `pulumi`
    does not wait for it to exit."""
    if _check.running() or _check.done():
        return
    _check.set_running_or_notify_cancel()
    threading.Thread(target=_run_check, name="pulumi-version", daemon=True).start()


@functools.cache
def command() -> auto.PulumiCommand:
    """The checked `pulumi` (a failed check raises here, as `auto.PulumiCommand()` does)."""
    started = _check.running() or _check.done()
    return _check.result() if started else auto.PulumiCommand()
