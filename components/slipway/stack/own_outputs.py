"""A bare run's read of its own stack outputs, started before the program imports the rest.

A bare `pulumi up` or `pulumi preview` (nothing handed over in SLIPWAY_RELEASE_PROGRESS) reads
its recorded release progress itself (own_progress.py): two `pulumi` processes, the Automation
API's version check and `pulumi stack output --json`, about 0.2 s. Started on a thread as the
program's first step, they run while the program imports the components and builds the spec
models (about as long), so by the time the progress is needed it is there. This module and the
package inits above it import nothing heavy, so importing it first costs nothing.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pulumi
from pulumi import automation as auto
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import get_monitor

from .stack_outputs import ENV, plain_outputs

PendingOutputs = Future[dict[str, object]]
"""The stack's outputs once read; `.result()` raises what the read raised."""


def under_mocks() -> bool:
    """Run by unit tests under Pulumi's mocks: no backend to read, the test gives the progress."""
    return isinstance(get_monitor(), MockMonitor)


def qualified_stack() -> str:
    """org/project/stack of the running program: the stack whatever organization the CLI
    defaults to."""
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"


def read_in_background(project_dir: Path, stack_name: str) -> PendingOutputs:
    """`stack_name`'s outputs (stack_outputs.plain_outputs) read on a thread of their own."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="own-outputs")
    try:
        return executor.submit(
            lambda: plain_outputs(auto.LocalWorkspace(work_dir=str(project_dir)), stack_name))
    finally:
        executor.shutdown(wait=False)  # the thread ends with the read


def start_own_read(project_dir: Path) -> PendingOutputs | None:
    """The running program's own outputs, being read, when it will need them: a bare run, not
    under mocks and not handed its progress by the slipway tool. The stack's name is taken here,
    on the program's thread (the Pulumi runtime's settings are not visible on another)."""
    if os.environ.get(ENV) or under_mocks():
        return None
    return read_in_background(project_dir, qualified_stack())
