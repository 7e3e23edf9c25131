"""A runner killed as its machine going away would kill it, for the tests that interrupt one.

Start the runner with `start_new_session=True`: then every process it starts shares its
session, including the `pulumi` CLI's plugins (language host, providers), which the CLI puts
in process groups of their own, so an `os.killpg` of the runner's group misses them and they
outlive the test. Linux only (/proc), like the engine and cluster tests that use it.
`SLIPWAY` is the installed command, for tests that run it as a process of its own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SLIPWAY = Path(sys.executable).with_name("slipway")


def session_pids(session: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if os.getsid(int(entry)) == session:
                    pids.append(int(entry))
    return pids


def kill_runner(runner: subprocess.Popen[str]) -> None:
    """SIGKILL every process of the runner's session, then reap the runner."""
    for _ in range(20):  # until none is left: a killed process lingers a moment as a zombie
        pids = session_pids(runner.pid)
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        runner.poll()  # reaps the leader; its killed children are reaped by init
        time.sleep(0.05)
    runner.wait(timeout=30)
