"""What the policy pack adds to a `preview` of the dev stack, with the real Pulumi engine.

One throwaway copy of this project (bench/engine_preview.py's `slipway_project`: the program,
`Pulumi.dev.yaml` and a `services/` catalog of N generated service files from
program_overhead.py's `generated_documents`, 50 by default) on its own file backend is
previewed without and with the pack: the Automation API's
`preview(policy_packs=[<abs policy dir>], policy_pack_configs=[policy/config/dev.json])`, the
same as `pulumi preview --policy-pack policy --policy-pack-config policy/config/dev.json`.

Each variant gets one untimed warm-up preview (stack creation, .pyc compilation, plugin and
policy pack start-up), then `--repeat` timed previews, alternating without and with; the median
wall time of the preview call is reported. Every preview runs in a fresh worker process
(the CLI started from scratch). The generated services carry no image signature, so with
dev.json (advisory) the pack reports violations (the image-signature rule on every workload);
they do not fail the preview, and the output says how many there were, by rule. Figures are for
reading, not for asserting.

    cd /work/main && source toolchain/env.sh && .venv/bin/python bench/policy_overhead.py
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pulumi import automation as auto

# bench/ is the script's sys.path (and mypy's, see pyproject.toml).
from engine_preview import STACK, Project, require_toolchain, slipway_project
from program_overhead import generated_documents
from slipway.tooling import stacks
from slipway.tooling.interrupts import let_children_take_interrupts

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "policy"
POLICY_CONFIG = POLICY / "config" / "dev.json"
REPRODUCE = "source toolchain/env.sh && .venv/bin/python bench/policy_overhead.py"


# --- the worker: one preview in a fresh process ---------------------------------------------


def worker(project: Path, with_policy: bool) -> None:
    """Preview `project` once; print {seconds, changes, violations: {rule: count}} as JSON."""
    selected = stacks.stack(STACK, project)
    events: list[auto.EngineEvent] = []
    policy: dict[str, Any] = (
        {"policy_packs": [str(POLICY)], "policy_pack_configs": [str(POLICY_CONFIG)]}
        if with_policy else {}
    )
    start = time.perf_counter()
    result = selected.preview(color="never", diff=True, on_event=events.append, **policy)
    seconds = time.perf_counter() - start
    violations = Counter(
        f"{e.policy_event.policy_name} ({e.policy_event.enforcement_level})"
        for e in events if e.policy_event is not None
    )
    print(json.dumps({"seconds": seconds,
                      "changes": stacks.operation_counts(result.change_summary),
                      "violations": dict(violations)}))


# --- the parent -----------------------------------------------------------------------------


def preview(project: Project, with_policy: bool) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", str(project.path)]
    if with_policy:
        command.append("--with-policy")
    done = subprocess.run(command, env=project.env(), capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        sys.exit(f"preview ({'with' if with_policy else 'without'} the policy pack) failed "
                 f"(exit {done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-8000:]}")
    outcome: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return outcome


def main() -> None:
    let_children_take_interrupts()  # a background run would wait 5 s per engine run
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--with-policy", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        worker(options.worker, options.with_policy)
        return

    started = time.perf_counter()
    version = require_toolchain(REPRODUCE)
    print(f"pulumi {version}, {os.cpu_count()} CPUs, preview of stack {STACK!r} with "
          f"{options.services} generated services, median of {options.repeat} after 1 warm-up "
          f"each", flush=True)
    times: dict[bool, list[float]] = {False: [], True: []}
    outcomes: dict[bool, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="slipway-policy-overhead-") as scratch:
        project = slipway_project(Path(scratch), generated_documents(options.services))
        for with_policy in (False, True):
            print(f"warm-up {'with' if with_policy else 'without'} the pack...",
                  file=sys.stderr, flush=True)
            outcomes[with_policy] = preview(project, with_policy)
        for attempt in range(options.repeat):
            print(f"timed previews {attempt + 1}/{options.repeat}", file=sys.stderr, flush=True)
            for with_policy in (False, True):
                outcome = preview(project, with_policy)
                times[with_policy].append(outcome["seconds"])
                outcomes[with_policy] = outcome
    without_s = statistics.median(times[False])
    with_s = statistics.median(times[True])
    violations: dict[str, int] = outcomes[True]["violations"]
    print()
    print(f"{'variant':<22} {'median s':>9}   runs s")
    for label, key in (("without policy pack", False), ("with policy pack", True)):
        runs = " ".join(f"{t:.2f}" for t in times[key])
        print(f"{label:<22} {statistics.median(times[key]):>9.2f}   {runs}")
    print(f"ratio with/without: {with_s / without_s:.2f} "
          f"(+{with_s - without_s:.2f} s for the pack)")
    print(f"steps: {outcomes[True]['changes']}")
    print(f"policy violations reported with {POLICY_CONFIG.relative_to(ROOT)} (advisory, the "
          f"preview still succeeds): {sum(violations.values())}"
          + "".join(f"\n  {count:>4}  {rule}" for rule, count in sorted(violations.items())))
    print("s: wall time of the Automation API preview call (CLI start to result), fresh "
          "process each.")
    print(f"total {time.perf_counter() - started:.0f} s; reproduce: {REPRODUCE} "
          f"--services {options.services} --repeat {options.repeat}")


if __name__ == "__main__":
    main()
