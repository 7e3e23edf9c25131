"""What `slipway up` of N generated services into the local cluster costs, vs the same
resources registered raw into the same cluster.

The bench starts its own local cluster (`slipway cluster up`'s LocalCluster under the name
`slipway-bench-up`, in a temporary folder, never the one `make up` uses) and stops it by pid at
the end, also when a run fails. For each size (10 and 50 by default) and shape it builds the two
throwaway projects of bench/engine_preview.py, both pointed at that cluster:

- slipway: this project's program with a catalog of N generated services; timed command
  `slipway up --stack dev --json --project-dir <copy>` (the tool users run);
- raw: the same custom resources written with plain pulumi-kubernetes (bench/engine/raw_main.py,
  inputs recorded from the Slipway program under mocks); timed command
  `pulumi up --yes --skip-preview --stack dev`, what the Automation API behind `slipway up` runs.

Both deploy with the provider's awaits on: an `up` ends when every Deployment is available and
every migration Job complete (kwok makes pods Ready). Slipway's Deployments also wait for their
callees' rollouts (docs/scale.md), which the raw program does not, so the call graph's depth
adds rollout waves to Slipway's time: `--shapes none` has no calls, `graph` (default) is depth 4,
`chain` is N deep.

One untimed warm-up preview per project checks that both register the same custom resources with
the same inputs. Then `--repeat` ups alternate slipway and raw, each from nothing: before every
run (untimed) the stack's namespace is deleted from the cluster and waited for, the backend
emptied and the stack created again. "peak" is the largest resident set of any single process of
the command, in MiB. Figures are for reading, not for asserting; the load average is printed with
them because the machine is shared.

    cd /work/main && source toolchain/env.sh && .venv/bin/python bench/cluster_up.py \
        [--sizes 10 50] [--shapes graph] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# bench/ is the script's sys.path (and mypy's, see pyproject.toml).
from engine_preview import (
    STACK,
    Project,
    check_same_resources,
    mib,
    raw_project,
    record,
    require_toolchain,
    slipway_project,
)
from program_overhead import SHAPES, generated_documents
from slipway.tooling.cluster import LocalCluster, build_binaries
from slipway.tooling.interrupts import let_children_take_interrupts
from timed_command import load_average, timed

ROOT = Path(__file__).resolve().parents[1]
CLUSTER_NAME = "slipway-bench-up"
SLIPWAY = ROOT / ".venv" / "bin" / "slipway"
REPRODUCE = "source toolchain/env.sh && .venv/bin/python bench/cluster_up.py"
NAMESPACE_GONE_S = 600


class Target:
    """The bench's cluster: kubectl on it, and emptying it between runs."""

    def __init__(self, local: LocalCluster) -> None:
        self.local = local
        state = json.loads(local.state_file.read_text())
        self.kubectl = Path(state["binDir"]) / "kubectl"

    @property
    def stack_setting(self) -> dict[str, str]:
        return {"context": self.local.context, "kubeconfig": str(self.local.kubeconfig)}

    def run(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run([str(self.kubectl), "--kubeconfig", str(self.local.kubeconfig),
                               "--context", self.local.context, *args],
                              capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def delete_namespaces(self, names: list[str]) -> None:
        """Delete the namespaces and wait until they are gone (their objects with them)."""
        if names:
            self.run("delete", "namespace", *names, "--ignore-not-found", "--wait=true",
                     f"--timeout={NAMESPACE_GONE_S}s", timeout=NAMESPACE_GONE_S + 30)

    def deployments_available(self, namespace: str) -> tuple[int, int, int]:
        """(Deployments serving: at least one available pod; Deployments with every desired
        pod available; all Deployments). The HPA may raise a Deployment's replicas to its
        minimum after the provider's await saw it available, so the second can lag."""
        items = json.loads(self.run("get", "deployments", "-n", namespace, "-o", "json"))["items"]
        available = [d.get("status", {}).get("availableReplicas", 0) for d in items]
        serving = sum(1 for count in available if count >= 1)
        scaled = sum(1 for d, count in zip(items, available, strict=True)
                     if count >= d["spec"].get("replicas", 1))
        return serving, scaled, len(items)


def namespaces_of(recorded: dict[str, Any]) -> list[str]:
    return sorted({inputs["metadata"]["name"] for typ, _, inputs, _ in recorded["resources"]
                   if typ == "kubernetes:core/v1:Namespace"})


def cluster_scoped_kinds(recorded: dict[str, Any]) -> list[str]:
    """Kinds without a namespace: deleting the namespace would not remove them."""
    return sorted({typ for typ, _, inputs, _ in recorded["resources"]
                   if typ != "kubernetes:core/v1:Namespace"
                   and not (inputs.get("metadata") or {}).get("namespace")})


def from_nothing(project: Project, target: Target, namespaces: list[str]) -> None:
    """Untimed: no objects in the cluster, empty state, the stack created again."""
    target.delete_namespaces(namespaces)
    project.fresh()
    subprocess.run(["pulumi", "stack", "init", STACK, "--non-interactive"], cwd=project.path,
                   env=project.env(), capture_output=True, text=True, check=True)


def timed_up(project: Project, argv: list[str], target: Target,
             namespaces: list[str]) -> dict[str, Any]:
    from_nothing(project, target, namespaces)
    outcome = timed(project.path, argv, project.env())
    project.times.append(outcome["seconds"])
    project.peaks_kib.append(outcome["peak_kib"])
    serving, scaled, total = target.deployments_available(namespaces[0])
    if serving != total or total == 0:
        raise RuntimeError(f"{project.path.name}: after up, {serving} of {total} Deployments "
                           "have an available pod")
    outcome["scaled"] = f"{scaled}/{total}"
    return outcome


def main() -> None:
    let_children_take_interrupts()  # a background run would wait 5 s per engine run
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=["graph"])
    options = parser.parse_args()
    # A stopped bench (kill PID) still stops its cluster: SIGTERM unwinds through `finally`.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started = time.perf_counter()
    version = require_toolchain(REPRODUCE)
    build_binaries(ROOT)
    print(f"pulumi {version}, {os.cpu_count()} CPUs, up of stack {STACK!r} into a local "
          f"cluster, median of {options.repeat}; load average at start {load_average()}",
          flush=True)
    rows: list[str] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="slipway-bench-cluster-up-") as scratch:
        local = LocalCluster(ROOT, name=CLUSTER_NAME, root=Path(scratch) / "cluster")
        try:
            cluster = local.up(log=lambda line: print(line, file=sys.stderr, flush=True))
            print(f"cluster {CLUSTER_NAME}: {cluster.action} in {cluster.seconds:.1f} s, "
                  f"{cluster.nodes_ready} nodes ready, api server {cluster.server}", flush=True)
            target = Target(local)
            for size in options.sizes:
                for shape in options.shapes:
                    rows.append(compare(Path(scratch) / f"{shape}-n{size}", shape, size,
                                        repeat=options.repeat, target=target, notes=notes))
        finally:
            local.down(log=lambda line: print(line, file=sys.stderr, flush=True))
    print()
    print(f"{'shape':>6} {'services':>8} {'resources':>9} {'slipway s':>10} {'raw s':>8} "
          f"{'ratio':>6} {'slipway peak MiB':>17} {'raw peak MiB':>13}")
    print("\n".join(rows))
    print()
    print("s: median wall time of the command (process start to exit, every Deployment "
          "available); ratio = slipway s / raw s.")
    print("\n".join(notes))
    print(f"total {time.perf_counter() - started:.0f} s; reproduce: {REPRODUCE} --sizes "
          f"{' '.join(map(str, options.sizes))} --shapes {' '.join(options.shapes)} "
          f"--repeat {options.repeat}; load average at the end {load_average()}")


def compare(base: Path, shape: str, size: int, *, repeat: int, target: Target,
            notes: list[str]) -> str:
    """Both programs at one size and shape; the table row (notes appended to `notes`)."""
    base.mkdir(parents=True)
    slipway = slipway_project(base, generated_documents(size, shape), "preview",
                              kubernetes=target.stack_setting)
    recorded = record(slipway.path)
    raw = raw_project(base, recorded, "preview")
    count = len(recorded["resources"])
    namespaces = namespaces_of(recorded)
    stray = cluster_scoped_kinds(recorded)
    if not namespaces or stray:
        raise RuntimeError(f"the bench empties the cluster by deleting the stack's namespace; "
                           f"namespaces {namespaces}, cluster-scoped kinds {stray}")
    print(f"[{shape} {size} services] custom resources: {count} (+{recorded['components']} "
          f"components); warm-up previews...", file=sys.stderr, flush=True)
    for project in (slipway, raw):
        project.preview(base / f"{project.path.name}.events.json")
    check_same_resources(base / "slipway.events.json", base / "raw.events.json", count)
    slipway.operation = raw.operation = "up"
    slipway_argv = [str(SLIPWAY), "up", "--stack", STACK, "--json", "--project-dir",
                    str(slipway.path)]
    raw_argv = ["pulumi", "up", "--yes", "--skip-preview", "--non-interactive", "--stack", STACK]
    summaries = []
    scaled: dict[str, list[str]] = {"slipway": [], "raw": []}
    for attempt in range(repeat):
        print(f"[{shape} {size} services] timed up {attempt + 1}/{repeat}, load "
              f"{load_average()}", file=sys.stderr, flush=True)
        outcome = timed_up(slipway, slipway_argv, target, namespaces)
        summaries.append(outcome["stdout"].strip().splitlines()[-1])
        scaled["slipway"].append(outcome["scaled"])
        scaled["raw"].append(timed_up(raw, raw_argv, target, namespaces)["scaled"])
    target.delete_namespaces(namespaces)
    slipway_s, raw_s = statistics.median(slipway.times), statistics.median(raw.times)
    for project in (slipway, raw):
        notes.append(f"  {shape:>6} {size:>4} {project.path.name:<8} runs s: "
                     + " ".join(f"{t:.1f}" for t in project.times)
                     + "; Deployments with every desired pod available at exit: "
                     + " ".join(scaled[project.path.name]))
    notes.append(f"  {shape:>6} {size:>4} slipway's last summary: {summaries[-1][:300]}")
    return (f"{shape:>6} {size:>8} {count:>9} {slipway_s:>10.1f} {raw_s:>8.1f} "
            f"{slipway_s / raw_s:>6.2f} {mib(statistics.median(slipway.peaks_kib)):>17.0f} "
            f"{mib(statistics.median(raw.peaks_kib)):>13.0f}")


if __name__ == "__main__":
    main()
