"""Run one command and say how long it took and how much memory its largest process held.

The engine benches that time whole commands (`slipway up`, `pulumi preview`, ...) run each one
through this file in a fresh Python process, so that `getrusage(RUSAGE_CHILDREN)` covers only
that command's processes:

    python bench/timed_command.py DIR -- COMMAND [ARGS...]

prints one JSON line: {"seconds", "peak_kib", "returncode", "stdout", "stderr"} (the last 4000
characters of each stream). "peak_kib" is the largest resident set of any single process the
command waited for (the pulumi CLI, language host, program, provider), in KiB.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

TAIL = 4000


def run(directory: Path, argv: list[str]) -> dict[str, Any]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=directory, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    return {"seconds": seconds,
            "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            "returncode": done.returncode,
            "stdout": done.stdout[-TAIL:], "stderr": done.stderr[-TAIL:]}


def timed(directory: Path, argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run `argv` in `directory` through this file in a fresh process; its JSON result."""
    done = subprocess.run([sys.executable, __file__, str(directory), "--", *argv], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"timing {' '.join(argv)} failed:\n{done.stderr[-TAIL:]}")
    outcome: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if outcome["returncode"] != 0:
        raise RuntimeError(f"{' '.join(argv)} (in {directory}) failed with exit "
                           f"{outcome['returncode']}:\n{outcome['stdout']}\n{outcome['stderr']}")
    return outcome


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(f"usage: {sys.argv[0]} DIR -- COMMAND [ARGS...]")
    print(json.dumps(run(Path(sys.argv[1]), sys.argv[3:])))
