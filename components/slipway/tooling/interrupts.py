"""The `pulumi` processes a command starts must not inherit an ignored Ctrl-C.

A shell without job control starts a background job (`slipway up &` in a script, a CI step
that runs one) with SIGINT ignored, and an ignored signal stays ignored across `exec`. The
`pulumi` CLI stops each plugin it started by sending it SIGINT and waiting up to 5 s before
killing it (cmdutil.TerminateProcess in the Pulumi SDK); the Python language host does not
catch SIGINT, so with it ignored every preview and update waited those 5 s (a 10-service
preview took 7.3 s instead of 2.2 s; docs/scale.md).

A handler that does nothing keeps this process deaf to Ctrl-C, as its starter asked, while
the processes it starts get SIGINT's default again: `exec` resets a handled signal, unlike an
ignored one.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


def _stay_deaf(signum: int, frame: FrameType | None) -> None:
    """SIGINT while this process was started to ignore it: still ignored here."""


def let_children_take_interrupts() -> bool:
    """When SIGINT is ignored, handle it with a handler that does nothing, so the processes
    started from here no longer inherit the ignore. True when it was ignored (and is now
    handled); False when nothing needed changing or this is not the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        return False
    signal.signal(signal.SIGINT, _stay_deaf)
    return True
