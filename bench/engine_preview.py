"""What a `preview` of the dev stack costs with the real Pulumi engine: Slipway vs raw.

For each size N (10, 50 and 200 generated services by default) this builds two throwaway
projects in a temporary directory, each with its own file backend:

- slipway: this project's `Pulumi.yaml`, `Pulumi.dev.yaml` and `__main__.py` with a `services/`
  catalog of N generated service files (`generated_documents` from program_overhead.py); the
  stack file's `slipway:kubernetes` is `{renderDir: out/dev}` (render mode, no cluster), or
  the cluster bench/cluster_up.py passes;
- raw: a program (bench/engine/raw_main.py) that registers, with plain pulumi-kubernetes
  classes and one explicit provider, exactly the custom resources the Slipway program
  registers for the dev stack (namespace and default-deny NetworkPolicy included). They are
  recorded by running the Slipway project under mocks and handed over in `resources.json`.

Each project gets one untimed warm-up preview (stack creation, .pyc compilation, plugin load),
whose engine events are used to check that both previews register the same custom resources
with the same inputs. Then `--repeat` previews per project run, alternating slipway and raw, and
the median wall time is reported. Every timed preview runs in a fresh worker process, through
the Automation API the way `slipway preview` does (`stacks.stack("dev", dir).preview(diff=True)`,
the CLI started from scratch: engine, language host, program and Kubernetes provider); only the
`preview` call is timed. "Peak" is the largest resident set of any single process the preview
started (pulumi CLI, language host, Python program, provider): the worker's
`getrusage(RUSAGE_CHILDREN).ru_maxrss`, in MiB, median over the timed runs. The warm-up also
samples /proc to say which of those processes that peak belongs to. Figures are for reading,
not for asserting.

The generated catalog comes in three shapes (`--shapes`, program_overhead.SHAPES): `chain`
(svc-N calls svc-N-1: every service waits for the one it calls, the worst case for Slipway,
whose raw twin registers everything at once), `none` (no calls) and `graph` (fronts fanning out
through two middle tiers to leaves, depth 4).

`--operation up` times `up` instead: the stack is created from empty state before every run
(backend and rendered directory wiped, untimed), so each run creates every resource and
renders it into the project's own temporary `out/` directory. The file backend writes the whole
state after every step of an update (twice per resource created, once more for a component's
outputs), which is most of an `up` at 50 services and more at 200; `--skip-checkpoints` runs
every program with PULUMI_SKIP_CHECKPOINTS=true (the state written once, at the end) to time
what the engine and the programs cost without that write.

`--raw-freeze` adds a fourth program, `raw-freeze`: raw calling `gc.freeze()` where the Slipway
program does (after its imports and after its last resource; stack/collector.py), so the table
also says what Slipway costs against a raw program that keeps its objects out of the collector
the same way.

    cd /work/main && source toolchain/env.sh && .venv/bin/python bench/engine_preview.py
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi import automation as auto
from pulumi.runtime.mocks import MockMonitor

# bench/ is the script's sys.path
from program_overhead import SHAPES, Recorder, generated_documents
from slipway.tooling import stacks
from slipway.tooling.interrupts import let_children_take_interrupts

ROOT = Path(__file__).resolve().parents[1]
RAW_MAIN = Path(__file__).resolve().parent / "engine" / "raw_main.py"
STACK = "dev"
PASSPHRASE = "engine-preview-bench"
REPRODUCE = "source toolchain/env.sh && .venv/bin/python bench/engine_preview.py"

RAW_PULUMI_YAML = """\
name: slipway-raw
description: Slipway's dev-stack resources written directly with pulumi-kubernetes (bench).
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: .venv
"""


# --- the worker: one preview in a fresh process ---------------------------------------------


def process_role(name: str, cmdline: str) -> str | None:
    """Which part of a preview a process is, from its /proc name and command line."""
    if name.startswith("pulumi-resource"):
        return "provider"
    if name.startswith("pulumi-language") or "pulumi-language-python-exec" in cmdline:
        return "language host" if name.startswith("pulumi-language") else "program"
    if name == "pulumi":
        return "pulumi CLI"
    if name.startswith("python"):
        return "program"
    return None


class Sampler(threading.Thread):
    """Polls /proc for this process's descendants and keeps each role's largest VmHWM (KiB)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[str, int] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.05):
            self.sample()

    def sample(self) -> None:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        mine = {os.getpid()}
        grew = True
        while grew:
            found = {pid for pid, ppid in parents.items() if ppid in mine} - mine
            grew = bool(found)
            mine |= found
        for pid in mine - {os.getpid()}:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                cmdline = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            role = process_role(fields.get("Name", "").strip(), cmdline)
            hwm = fields.get("VmHWM", "0 kB").split()[0]
            if role is not None:
                self.peaks[role] = max(self.peaks.get(role, 0), int(hwm))


def worker(project: Path, events_file: Path | None, operation: str = "preview") -> None:
    """Preview (or `up`) `project` once; print {seconds, peak_kib, changes, roles} as JSON."""
    selected = stacks.stack(STACK, project)
    events: list[auto.EngineEvent] = []
    sampler = Sampler() if events_file else None
    if sampler:
        sampler.start()
    start = time.perf_counter()
    on_event = events.append if events_file else None
    if operation == "up":
        changes = selected.up(color="never", on_event=on_event).summary.resource_changes
    else:
        changes = selected.preview(color="never", diff=True, on_event=on_event).change_summary
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    if sampler:
        sampler.stopped.set()
        sampler.join()
    if events_file:
        steps = []
        for event in events:
            if event.resource_pre_event is not None:
                metadata = event.resource_pre_event.metadata
                new = metadata.new
                steps.append({"op": str(getattr(metadata.op, "value", metadata.op)),
                              "type": metadata.type, "urn": metadata.urn,
                              "custom": bool(new.custom) if new else None,
                              "inputs": dict(new.inputs or {}) if new else None})
        events_file.write_text(json.dumps(steps))
    print(json.dumps({"seconds": seconds, "peak_kib": peak_kib,
                      "changes": stacks.operation_counts(changes),
                      "roles": sampler.peaks if sampler else {}}))


# --- the parent: projects, recording, runs, table ---------------------------------------------


@dataclass
class Project:
    """One throwaway project and the file backend its stack lives in."""

    path: Path
    backend: Path
    operation: str = "preview"
    skip_checkpoints: bool = False
    times: list[float] = field(default_factory=list)
    peaks_kib: list[int] = field(default_factory=list)
    roles: dict[str, int] = field(default_factory=dict)
    warm_peak_kib: int = 0
    changes: dict[str, int] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items()
               if key != "PULUMI_CONFIG_PASSPHRASE_FILE"}
        env["PULUMI_BACKEND_URL"] = f"file://{self.backend}"
        env["PULUMI_CONFIG_PASSPHRASE"] = PASSPHRASE
        if self.skip_checkpoints:
            env["PULUMI_SKIP_CHECKPOINTS"] = "true"
        return env

    def fresh(self) -> None:
        """Before an `up`: empty state and no rendered files, so every run creates everything."""
        if self.operation != "up":
            return
        shutil.rmtree(self.backend)
        self.backend.mkdir()
        shutil.rmtree(self.path / "out", ignore_errors=True)

    def preview(self, events_file: Path | None = None) -> dict[str, Any]:
        self.fresh()
        command = [sys.executable, __file__, "--worker", str(self.path),
                   "--operation", self.operation]
        if events_file:
            command += ["--events", str(events_file)]
        done = subprocess.run(command, env=self.env(), capture_output=True, text=True,
                              check=False)
        if done.returncode != 0:
            sys.exit(f"preview of {self.path} failed (exit {done.returncode}):\n"
                     f"{done.stdout[-4000:]}\n{done.stderr[-8000:]}")
        outcome: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        self.changes = outcome["changes"]
        return outcome

    def timed(self) -> None:
        outcome = self.preview()
        self.times.append(outcome["seconds"])
        self.peaks_kib.append(outcome["peak_kib"])


def require_toolchain(reproduce: str = REPRODUCE) -> str:
    """The engine's version; exits with the command to run when the toolchain is missing."""
    if shutil.which("pulumi") is None or not os.environ.get("SLIPWAY_TOOLCHAIN_BIN"):
        sys.exit("this benchmark needs the Pulumi toolchain on PATH and SLIPWAY_TOOLCHAIN_BIN "
                 f"set; run it from the repository root as:\n  {reproduce}")
    version = subprocess.run(["pulumi", "version"], capture_output=True, text=True, check=True)
    return version.stdout.strip()


def dev_config(project: Path) -> dict[str, Any]:
    stack_file: dict[str, Any] = yaml.safe_load((project / f"Pulumi.{STACK}.yaml").read_text())
    return dict(stack_file.get("config") or {})


def without_salt(text: str) -> str:
    """The committed salt belongs to the dev passphrase; each throwaway stack gets its own."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith("encryptionsalt:"))


RENDER = {"renderDir": "out/dev"}
"""The dev stack's Kubernetes target in the engine benches: manifests rendered into the copy's
own `out/dev` (no cluster), as a GitOps user runs it. bench/cluster_up.py passes a cluster."""


def stack_file_text(kubernetes: dict[str, str]) -> str:
    """Pulumi.dev.yaml with `slipway:kubernetes` set to `kubernetes` (and no salt)."""
    document = yaml.safe_load(without_salt((ROOT / f"Pulumi.{STACK}.yaml").read_text()))
    document["config"]["slipway:kubernetes"] = dict(kubernetes)
    return yaml.safe_dump(document, sort_keys=False)


def slipway_project(base: Path, documents: list[dict[str, Any]],
                    operation: str = "preview",
                    kubernetes: dict[str, str] | None = None) -> Project:
    path = base / "slipway"
    (path / "services").mkdir(parents=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy2(ROOT / name, path / name)
    (path / f"Pulumi.{STACK}.yaml").write_text(stack_file_text(kubernetes or RENDER))
    (path / ".venv").symlink_to(ROOT / ".venv")
    for document in documents:
        (path / "services" / f"{document['name']}.yaml").write_text(
            yaml.safe_dump(document, sort_keys=False))
    (base / "slipway-state").mkdir()
    return Project(path=path, backend=base / "slipway-state", operation=operation)


def plain(value: Any) -> Any:
    """Mocks hand numbers back as floats; integral ones become ints again (same on the wire)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class DependencyMonitor(MockMonitor):
    """The mock monitor, also keeping the dependencies every registration sends the engine
    (its `depends_on` and the resources behind its Output inputs), as (type, name) pairs."""

    def __init__(self, mocks: Recorder) -> None:
        super().__init__(mocks)
        self.dependencies: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method's name)
        urns = set(request.dependencies)
        for property_dependencies in request.propertyDependencies.values():
            urns.update(property_dependencies.urns)
        self.dependencies[(request.type, request.name)] = sorted(map(urn_key, urns))
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]


def urn_key(urn: str) -> tuple[str, str]:
    """urn:pulumi:stack::project::parent$type::name -> (type, name)."""
    _, _, types, name = urn.split("::", 3)
    return types.rsplit("$", 1)[-1], name


def record(project: Path) -> dict[str, Any]:
    """Run the Slipway project's program under mocks; keep its provider and custom resources,
    each with the custom resources it depends on."""
    recorder = Recorder()
    monitor = DependencyMonitor(recorder)
    pulumi.runtime.set_mocks(recorder, project="slipway", stack=STACK, preview=False,
                             monitor=monitor)
    pulumi.runtime.set_all_config({key: value if isinstance(value, str) else json.dumps(value)
                                   for key, value in dev_config(project).items()})

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def body() -> None:
        runpy.run_path(str(project / "__main__.py"))

    here = Path.cwd()
    os.chdir(project)
    try:
        body()
    finally:
        os.chdir(here)
    providers = [inputs for typ, _, inputs in recorder.registered
                 if typ == "pulumi:providers:kubernetes"]
    assert len(providers) == 1, providers
    custom = [[typ, name, plain(inputs),
               [list(key) for key in monitor.dependencies[(typ, name)] if is_custom(key[0])]]
              for typ, name, inputs in recorder.registered if is_custom(typ)]
    return {"provider": providers[0], "resources": custom,
            "components": sum(typ.startswith("slipway:") for typ, _, _ in recorder.registered)}


def is_custom(type_token: str) -> bool:
    """A Kubernetes object (not a Slipway component, the provider or the stack)."""
    return not type_token.startswith(("slipway:", "pulumi:"))


def raw_project(base: Path, recorded: dict[str, Any], operation: str = "preview", *,
                dependencies: bool = False, freeze: bool = False) -> Project:
    """The raw twin: `raw` registers everything at once (only the provider in common);
    `raw-deps` gives each resource the same dependencies the Slipway program sent;
    `raw-freeze` is `raw` keeping its objects out of the collector as the Slipway program does."""
    path = base / ("raw-deps" if dependencies else "raw-freeze" if freeze else "raw")
    path.mkdir()
    (path / "Pulumi.yaml").write_text(RAW_PULUMI_YAML)
    (path / f"Pulumi.{STACK}.yaml").write_text("config: {}\n")
    shutil.copy2(RAW_MAIN, path / "__main__.py")
    (path / "resources.json").write_text(json.dumps(
        {"provider": recorded["provider"], "resources": recorded["resources"],
         "dependencies": dependencies, "freeze": freeze}))
    (path / ".venv").symlink_to(ROOT / ".venv")
    (base / f"{path.name}-state").mkdir()
    return Project(path=path, backend=base / f"{path.name}-state", operation=operation)


def custom_steps(events_file: Path) -> dict[tuple[str, str], Any]:
    """(type, name) -> inputs of every custom resource the engine stepped in a preview."""
    steps = json.loads(events_file.read_text())
    return {(step["type"], step["urn"].rsplit("::", 1)[1]): step["inputs"]
            for step in steps if step["custom"] and step["type"] != "pulumi:pulumi:Stack"}


def check_same_resources(slipway_events: Path, raw_events: Path, expected: int) -> None:
    """Both previews must register the same custom resources, or the ratio means nothing."""
    slipway = custom_steps(slipway_events)
    raw = custom_steps(raw_events)
    missing = sorted(set(slipway) ^ set(raw))
    assert not missing, f"registered by only one of the programs: {missing[:10]}"
    different = sorted(key for key in slipway if slipway[key] != raw[key])
    assert not different, f"inputs differ between slipway and raw: {different[:10]}"
    assert len(slipway) == expected + 1, (len(slipway), expected)  # + the provider


def mib(kib: float) -> float:
    return kib / 1024


def main() -> None:
    let_children_take_interrupts()  # a background run would wait 5 s per engine run
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    parser.add_argument("--operation", choices=("preview", "up"), default="preview")
    parser.add_argument("--skip-checkpoints", action="store_true",
                        help="PULUMI_SKIP_CHECKPOINTS=true for every run (state written once)")
    parser.add_argument("--raw-freeze", action="store_true",
                        help="also time raw with gc.freeze() where the Slipway program calls it")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--events", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        worker(options.worker, options.events, options.operation)
        return

    started = time.perf_counter()
    version = require_toolchain()
    print(f"pulumi {version}, {os.cpu_count()} CPUs, {options.operation} of stack {STACK!r}, "
          f"median of {options.repeat} after 1 warm-up each"
          f"{', PULUMI_SKIP_CHECKPOINTS=true' if options.skip_checkpoints else ''}; "
          "load average at start "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    rows = []
    notes = []
    with tempfile.TemporaryDirectory(prefix="slipway-engine-preview-") as scratch:
        for shape, size in ((shape, size) for size in options.sizes for shape in options.shapes):
            base = Path(scratch) / f"{shape}-n{size}"
            base.mkdir()
            slipway = slipway_project(base, generated_documents(size, shape), options.operation)
            recorded = record(slipway.path)
            raw = raw_project(base, recorded, options.operation)
            raw_deps = raw_project(base, recorded, options.operation, dependencies=True)
            raw_freeze = (raw_project(base, recorded, options.operation, freeze=True)
                          if options.raw_freeze else None)
            count = len(recorded["resources"])
            print(f"[{shape} {size} services] custom resources: slipway {count} "
                  f"(+{recorded['components']} components, + provider), raw "
                  f"{len(json.loads((raw.path / 'resources.json').read_text())['resources'])} "
                  "(+ provider); warm-up...", file=sys.stderr, flush=True)
            projects = (slipway, raw, raw_deps, *([raw_freeze] if raw_freeze else []))
            for project in projects:
                project.skip_checkpoints = options.skip_checkpoints
            for project in projects:
                warm_up = project.preview(base / f"{project.path.name}.events.json")
                project.roles, project.warm_peak_kib = warm_up["roles"], warm_up["peak_kib"]
            for twin in projects[1:]:
                check_same_resources(base / "slipway.events.json",
                                     base / f"{twin.path.name}.events.json", count)
            for attempt in range(options.repeat):
                print(f"[{shape} {size} services] timed {options.operation} "
                      f"{attempt + 1}/{options.repeat}",
                      file=sys.stderr, flush=True)
                for project in projects:
                    project.timed()
            slipway_s, raw_s, deps_s, *freeze_s = (statistics.median(project.times)
                                                   for project in projects)
            rows.append(f"{shape:>6} {size:>8} {count:>9} {slipway_s:>10.2f} {raw_s:>8.2f} "
                        f"{slipway_s / raw_s:>6.2f} {deps_s:>11.2f} {slipway_s / deps_s:>6.2f} "
                        f"{mib(statistics.median(slipway.peaks_kib)):>17.0f} "
                        f"{mib(statistics.median(raw.peaks_kib)):>13.0f}"
                        + "".join(f" {s:>13.2f} {slipway_s / s:>6.2f}" for s in freeze_s))
            for project in projects:
                roles = ", ".join(f"{role} {mib(kib):.0f}" for role, kib in
                                  sorted(project.roles.items(), key=lambda item: -item[1]))
                runs = " ".join(f"{t:.2f}" for t in project.times)
                notes.append(f"  {shape:>6} {size:>4} {project.path.name:<8} runs s: {runs}; "
                             f"steps {project.changes}; warm-up peak MiB "
                             f"{mib(project.warm_peak_kib):.0f}, by process: {roles}")
    print()
    print(f"{'shape':>6} {'services':>8} {'resources':>9} {'slipway s':>10} {'raw s':>8} "
          f"{'ratio':>6} {'raw+deps s':>11} {'ratio':>6} {'slipway peak MiB':>17} "
          f"{'raw peak MiB':>13}" + (f" {'raw+freeze s':>13} {'ratio':>6}"
                                     if options.raw_freeze else ""))
    print("\n".join(rows))
    print()
    print("resources: custom Kubernetes resources, the same set and inputs in every program "
          "(checked on the engine's preview events); slipway adds its components.")
    print("raw registers them all at once; raw+deps gives each the dependencies Slipway's "
          "registration sent (the rollout order between services and within one).")
    if options.raw_freeze:
        print("raw+freeze is raw calling gc.freeze() after its imports and after its last "
              "resource, as the Slipway program does (stack/collector.py).")
    print(f"s: median wall time of the Automation API {options.operation} call (CLI start to "
          "result), fresh process each; ratio = slipway s / raw s, then slipway s / raw+deps s.")
    print("peak MiB: largest resident set of any single process of that preview (pulumi CLI, "
          "language host, program or provider), median over the timed runs.")
    print("\n".join(notes))
    print(f"total {time.perf_counter() - started:.0f} s; reproduce: {REPRODUCE} "
          f"--sizes {' '.join(map(str, options.sizes))} --repeat {options.repeat} "
          f"--shapes {' '.join(options.shapes)} --operation {options.operation}"
          f"{' --raw-freeze' if options.raw_freeze else ''}"
          f"{' --skip-checkpoints' if options.skip_checkpoints else ''}; "
          f"load average at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
