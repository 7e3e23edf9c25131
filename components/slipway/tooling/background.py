"""Work started on a thread while the command goes on (a `pulumi` process it will need the
result of), taken later from a Future."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def in_background(work: Callable[[], T], name: str) -> Future[T]:
    """`work()` on a daemon thread (a command that ends without the result does not wait for
    it); its result, or what it raised, from the Future."""
    result: Future[T] = Future()
    result.set_running_or_notify_cancel()

    def run() -> None:
        try:
            result.set_result(work())
        except BaseException as failure:  # raised where the result is taken
            result.set_exception(failure)

    threading.Thread(target=run, name=name, daemon=True).start()
    return result
