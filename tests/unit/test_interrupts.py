"""A `slipway` command started with Ctrl-C ignored (a background job of a script) stays deaf to
it, but the `pulumi` processes it starts do not inherit the ignore (tooling/interrupts.py):
the CLI waits 5 s for each plugin that ignores the SIGINT it is stopped with."""

from __future__ import annotations

import gc
import signal
import subprocess
import sys
import threading

import pytest

import slipway._command
import slipway.cli
from slipway.tooling import interrupts, pulumi_command

# Run in a process started with SIGINT ignored: a child before and after the call, each
# saying whether it started with SIGINT ignored; then a Ctrl-C to this process, which must
# survive it.
PROBE = """
import os, signal, subprocess, sys
from slipway.tooling.interrupts import let_children_take_interrupts

ASK = "import signal; print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)"

def child_ignores():
    return subprocess.run([sys.executable, "-c", ASK], capture_output=True,
                          text=True).stdout.strip() == "True"

before = child_ignores()
changed = let_children_take_interrupts()
after = child_ignores()
print(before, changed, after, flush=True)
os.kill(os.getpid(), signal.SIGINT)
print("alive")
"""


def run_probe(*, ignored: bool) -> subprocess.CompletedProcess[str]:
    def start_with_sigint_ignored() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    return subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          check=False, timeout=60,
                          preexec_fn=start_with_sigint_ignored if ignored else None)


def test_started_with_ctrl_c_ignored_children_get_the_default_and_this_process_stays_deaf() -> None:
    # Before: a child inherits the ignore. After: it does not, and this process still
    # survives a SIGINT (the default would have ended it).
    done = run_probe(ignored=True)
    assert done.stdout.split() == ["True", "True", "False", "alive"], done.stderr


def test_with_ctrl_c_not_ignored_nothing_changes() -> None:
    # Python's own handler stays: the SIGINT raises KeyboardInterrupt, as in any command.
    done = run_probe(ignored=False)
    assert done.stdout.split() == ["False", "False", "False"], done.stderr
    assert done.returncode != 0 and "KeyboardInterrupt" in done.stderr


def test_not_on_the_main_thread_nothing_is_touched(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(signal, "signal", lambda *args: calls.append(args))
    monkeypatch.setattr(signal, "getsignal", lambda _: signal.SIG_IGN)
    monkeypatch.setattr(threading, "current_thread", object)
    assert interrupts.let_children_take_interrupts() is False
    assert calls == []


def test_the_command_restores_them_before_its_first_pulumi_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []
    def restore() -> bool:
        order.append("interrupts")
        return True

    monkeypatch.setattr(slipway._command, "let_children_take_interrupts", restore)
    monkeypatch.setattr(pulumi_command, "start", lambda: order.append("pulumi version"))
    monkeypatch.setattr(slipway.cli, "app", lambda: order.append("command"))
    monkeypatch.setattr(gc, "freeze", lambda: None)
    slipway._command.main()
    assert order == ["interrupts", "pulumi version", "command"]
