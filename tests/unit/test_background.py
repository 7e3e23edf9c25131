"""Work started on a thread and taken later (tooling/background.py)."""

from __future__ import annotations

import threading

import pytest

from slipway.tooling.background import in_background


def test_the_work_runs_on_its_own_daemon_thread_and_its_result_is_taken_later() -> None:
    release = threading.Event()
    ran_on: list[threading.Thread] = []

    def work() -> int:
        ran_on.append(threading.current_thread())
        assert release.wait(10)
        return 42

    pending = in_background(work, "answer")
    assert not pending.done()  # still waiting: the caller went on
    release.set()
    assert pending.result(timeout=10) == 42
    assert ran_on[0].name == "answer" and ran_on[0].daemon
    assert ran_on[0] is not threading.current_thread()


def test_what_the_work_raised_is_raised_where_the_result_is_taken() -> None:
    def work() -> None:
        raise FileNotFoundError(2, "No such file or directory", "pulumi")

    with pytest.raises(FileNotFoundError, match="pulumi"):
        in_background(work, "failing").result(timeout=10)
