"""What the `slipway` tool adds over the `pulumi` CLI on the same stack, and what the policy pack
adds to a preview.

One throwaway copy of this project (bench/engine_preview.py's `slipway_project`: the program and
a catalog of N generated services, dev rendering into the copy's `out/dev`) on its own file
backend. Each round runs these commands in the copy, one after the other, each timed from
process start to exit (bench/timed_command.py):

- preview, no policy: `slipway preview --stack dev --no-policy` vs `pulumi preview --stack dev`;
- preview, policy pack: `slipway preview --stack dev --policy-pack policy` vs `pulumi preview
  --stack dev --policy-pack policy --policy-pack-config policy/config/dev.json`;
- up, nothing to change: `slipway up --stack dev` vs `pulumi up --yes --skip-preview --stack dev`;
- release promote: the first generated service is a canary (steps 25, 50, 100); each round starts a
  release of it (untimed), then times `slipway release promote svc-000 --stack dev` (25% -> 50%),
  then rolls it back (untimed); then starts it again and times the same step done with the CLI:
  `pulumi up --yes --skip-preview --stack dev` with the step's hand-off in
  `SLIPWAY_RELEASE_PROGRESS` (computed by the bench from the recorded progress, as the tool does
  from it), checks that the step was recorded, and rolls back again.

(`slipway preview` runs the pack with `policy/config/dev.json` when given the pack; `slipway up`
on dev runs no pack, and runs `pulumi up --yes --skip-preview` through the Automation API's
`PulumiCommand`, tooling/stack_cli.py.)
The stack is brought up once before the timed rounds, so every `up` finds nothing to change,
the common case of a second `make up`. One untimed warm-up preview with the pack, then `--repeat`
rounds; medians are reported with the ratios slipway / pulumi (the tool's overhead) and policy /
no policy (the pack's). The generated services carry no image signature, so the pack reports
advisory violations; they do not fail the preview. Figures are for reading, not for asserting;
the load average is printed because the machine is shared.

    cd /work/main && source toolchain/env.sh && .venv/bin/python bench/cli_overhead.py \
        [--services 50] [--shape graph] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pulumi import automation as auto

# bench/ is the script's sys.path (and mypy's, see pyproject.toml).
from engine_preview import STACK, mib, require_toolchain, slipway_project
from program_overhead import SHAPES, generated_documents
from slipway.release_state import ReleaseRef
from slipway.spec.service import ServiceSpec
from slipway.stack.progress import ENV as PROGRESS_ENV
from slipway.stack.progress import Handoff, encode
from slipway.tooling import progress, releases
from slipway.tooling.interrupts import let_children_take_interrupts
from timed_command import load_average, timed

ROOT = Path(__file__).resolve().parents[1]
SLIPWAY = str(ROOT / ".venv" / "bin" / "slipway")
POLICY = ROOT / "policy"
POLICY_CONFIG = POLICY / "config" / "dev.json"
REPRODUCE = "source toolchain/env.sh && .venv/bin/python bench/cli_overhead.py"
RULE_PREFIX = "slipway-k8s-"  # every rule of the pack (policy/rules/), named in its violations
PROMOTE = ("release promote", "svc-000")
CANARY = {"strategy": "canary", "steps": [25, 50, 100]}
CANDIDATE = ReleaseRef(version="1.1.0",
                       image="registry.example.com/bench/svc-000@sha256:" + "c" * 64)


def pack_ran(tool: str, output: str) -> bool:
    """Whether a preview's output shows the policy pack's verdicts (violations, advisory here)."""
    if tool == "pulumi":
        return RULE_PREFIX in output
    found = re.search(r"(\d+) policy violations?", output)
    return found is not None and int(found.group(1)) > 0


def commands(project: Path) -> dict[tuple[str, str], list[str]]:
    """(operation, tool) -> argv, run in the project's directory."""
    slipway = [SLIPWAY]
    at = ["--stack", STACK, "--project-dir", str(project)]
    pulumi = ["pulumi"]
    policy = ["--policy-pack", str(POLICY)]
    return {
        ("preview, no policy", "slipway"): [*slipway, "preview", *at, "--no-policy"],
        ("preview, no policy", "pulumi"): [*pulumi, "preview", "--stack", STACK,
                                           "--non-interactive"],
        ("preview, policy pack", "slipway"): [*slipway, "preview", *at, *policy],
        ("preview, policy pack", "pulumi"): [*pulumi, "preview", "--stack", STACK, *policy,
                                             "--policy-pack-config", str(POLICY_CONFIG),
                                             "--non-interactive"],
        ("up, nothing to change", "slipway"): [*slipway, "up", *at],
        ("up, nothing to change", "pulumi"): [*pulumi, "up", "--yes", "--skip-preview",
                                              "--stack", STACK, "--non-interactive"],
    }


def release_commands(project: Path) -> dict[str, list[str]]:
    at = ["--stack", STACK, "--project-dir", str(project), "--json"]
    service = PROMOTE[1]
    return {
        "start": [SLIPWAY, "release", "start", service, "--version", CANDIDATE.version,
                  "--image", CANDIDATE.image, *at],
        "promote": [SLIPWAY, "release", "promote", service, *at],
        "rollback": [SLIPWAY, "release", "rollback", service, *at],
    }


def dev_stack(project: Path, env: dict[str, str]) -> auto.Stack:
    return auto.select_stack(STACK, work_dir=str(project),
                             opts=auto.LocalWorkspaceOptions(env_vars=env))


def promote_hand_off(project: Path, env: dict[str, str],
                     spec: ServiceSpec) -> tuple[dict[str, str], releases.Step]:
    """The environment a bare `pulumi up` needs to apply the promote step `slipway release
    promote` would apply now: the recorded progress with the service's next state."""
    recorded = progress.recorded(dev_stack(project, env))
    step = releases.promote(spec, recorded.states.get(spec.name))
    handoff = Handoff(recorded=dict(recorded.states),
                      intent={**recorded.states, spec.name: step.state},
                      running=dict(recorded.running))
    return {**env, PROGRESS_ENV: encode(handoff)}, step


def time_promote(project: Path, env: dict[str, str], spec: ServiceSpec,
                 times: dict[tuple[str, str], list[float]],
                 peaks: dict[tuple[str, str], list[int]]) -> None:
    """One promote step by each tool, each from a freshly started release (see the docstring)."""
    argv = release_commands(project)
    pulumi_up = ["pulumi", "up", "--yes", "--skip-preview", "--stack", STACK,
                 "--non-interactive"]
    for tool in ("slipway", "pulumi"):
        timed(project, argv["start"], env)
        if tool == "slipway":
            outcome = timed(project, argv["promote"], env)
        else:
            step_env, step = promote_hand_off(project, env, spec)
            outcome = timed(project, pulumi_up, step_env)
            after = progress.recorded(dev_stack(project, env)).states.get(spec.name)
            if after != step.state:
                sys.exit(f"pulumi up did not record the promote step: {after} != {step.state}")
        times.setdefault((PROMOTE[0], tool), []).append(outcome["seconds"])
        peaks.setdefault((PROMOTE[0], tool), []).append(outcome["peak_kib"])
        timed(project, argv["rollback"], env)


def main() -> None:
    let_children_take_interrupts()  # a background run would wait 5 s per engine run
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--shape", choices=SHAPES, default="graph")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()

    started = time.perf_counter()
    version = require_toolchain(REPRODUCE)
    print(f"pulumi {version}, {os.cpu_count()} CPUs, stack {STACK!r} with {options.services} "
          f"generated services ({options.shape}), median of {options.repeat} after 1 warm-up; "
          f"load average at start {load_average()}", flush=True)
    times: dict[tuple[str, str], list[float]] = {}
    peaks: dict[tuple[str, str], list[int]] = {}
    with tempfile.TemporaryDirectory(prefix="slipway-cli-overhead-") as scratch:
        documents = generated_documents(options.services, options.shape)
        documents[0]["release"] = CANARY
        canary = ServiceSpec.model_validate(documents[0])
        project = slipway_project(Path(scratch), documents)
        env = project.env()
        argvs = commands(project.path)
        up = argvs[("up, nothing to change", "slipway")]
        print("creating the stack and bringing it up (untimed)...", file=sys.stderr, flush=True)
        timed(project.path, up, env)
        # Warm-up (untimed): the up above started the CLI, host and provider once; this starts
        # the policy pack once too.
        timed(project.path, argvs[("preview, policy pack", "pulumi")], env)
        for attempt in range(options.repeat):
            print(f"round {attempt + 1}/{options.repeat}, load {load_average()}",
                  file=sys.stderr, flush=True)
            for key, argv in argvs.items():
                outcome = timed(project.path, argv, env)
                if key[0].startswith("preview"):
                    # The ratios mean nothing if the pack did not run (or ran when it should not).
                    ran = pack_ran(key[1], outcome["stdout"] + outcome["stderr"])
                    if ran != (key[0] == "preview, policy pack"):
                        sys.exit(f"{key[1]} {key[0]}: the policy pack "
                                 f"{'ran' if ran else 'did not run'}:\n{outcome['stdout']}")
                times.setdefault(key, []).append(outcome["seconds"])
                peaks.setdefault(key, []).append(outcome["peak_kib"])
            time_promote(project.path, env, canary, times, peaks)
    median = {key: statistics.median(values) for key, values in times.items()}
    print()
    print(f"{'operation':<24} {'slipway s':>10} {'pulumi s':>9} {'slipway/pulumi':>15} "
          f"{'+s':>6} {'slipway peak MiB':>17} {'pulumi peak MiB':>16}")
    for operation in dict.fromkeys(key[0] for key in times):
        s, p = median[(operation, "slipway")], median[(operation, "pulumi")]
        print(f"{operation:<24} {s:>10.2f} {p:>9.2f} {s / p:>15.2f} {s - p:>6.2f} "
              f"{mib(statistics.median(peaks[(operation, 'slipway')])):>17.0f} "
              f"{mib(statistics.median(peaks[(operation, 'pulumi')])):>16.0f}")
    print()
    for tool in ("slipway", "pulumi"):
        on, off = median[("preview, policy pack", tool)], median[("preview, no policy", tool)]
        print(f"policy pack, {tool} preview: {on:.2f} s with / {off:.2f} s without = "
              f"{on / off:.2f} (+{on - off:.2f} s)")
    print()
    for key, values in times.items():
        print(f"  {key[1]:<8} {key[0]:<24} runs s: {' '.join(f'{t:.2f}' for t in values)}")
    print("s: median wall time of the command, process start to exit; +s = slipway s - pulumi s.")
    print(f"total {time.perf_counter() - started:.0f} s; reproduce: {REPRODUCE} --services "
          f"{options.services} --shape {options.shape} --repeat {options.repeat}; load average "
          f"at the end {load_average()}")


if __name__ == "__main__":
    main()
