"""Property tests of the catalog loader (hypothesis), in a subprocess with memory and CPU limits.

The properties are in loader_properties_worker.py: any bytes, any YAML-looking text, any data
YAML can dump and any mutation of the example services either load or end in a SpecError whose
every line starts with `services/<file>: `, holds no canary secret and comes within seconds. The
limits make a hang or a memory explosion (an alias bomb, unbounded recursion) fail the test
rather than the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("loader_properties_worker.py")
MEMORY_BYTES = 1536 * 1024 * 1024
CPU_SECONDS = 300
EXAMPLES_PER_PROPERTY = 100


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "tests"),
                                                        str(REPO / "tests" / "unit")])}
    return subprocess.run(
        [sys.executable, str(WORKER), *args], cwd=REPO, env=env, preexec_fn=_limits,
        capture_output=True, text=True, timeout=CPU_SECONDS * 2, check=False,
    )


def test_loader_refuses_any_input_cleanly_within_bounded_time_and_memory() -> None:
    result = _run(str(EXAMPLES_PER_PROPERTY))

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert result.stdout.strip() == f"ok {5 * EXAMPLES_PER_PROPERTY}"


def test_the_property_check_fails_when_a_message_prints_the_canary() -> None:
    # A canary in a field that is not secret-looking is printed back (`team` is a label):
    # the worker's check must catch exactly that, or it could not catch a real leak.
    result = _run("--selftest")

    assert result.returncode == 1
    assert "canary printed" in result.stdout + result.stderr
