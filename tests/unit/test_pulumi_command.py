"""The CLI's version check starts with the `slipway` command and runs while its modules
import (tooling/pulumi_command.py); a stack then reuses it instead of running `pulumi
version` again. Each case runs in a fresh interpreter with a stand-in `pulumi` on PATH that
logs every start."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FAKE_PULUMI = """#!/bin/sh
echo "$*" >> "{log}"
echo v3.259.0
"""


@pytest.fixture
def fake_path(tmp_path: Path) -> tuple[dict[str, str], Path]:
    log = tmp_path / "starts.log"
    binary = tmp_path / "bin" / "pulumi"
    binary.parent.mkdir()
    binary.write_text(FAKE_PULUMI.format(log=log))
    binary.chmod(0o755)
    env = {**os.environ, "PATH": f"{binary.parent}{os.pathsep}{os.environ['PATH']}"}
    return env, log


def run(code: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_started_check_is_the_one_every_stack_uses(
        fake_path: tuple[dict[str, str], Path]) -> None:
    env, log = fake_path
    out = run("""
        from slipway.tooling import pulumi_command, stacks
        pulumi_command.start()
        pulumi_command.start()
        first = stacks.pulumi_command()
        assert stacks.pulumi_command() is first
        print(first.version)
    """, env)
    assert out.strip() == "3.259.0"
    assert log.read_text().splitlines() == ["version"]


def test_without_a_start_the_check_runs_when_first_needed(
        fake_path: tuple[dict[str, str], Path]) -> None:
    env, log = fake_path
    run("""
        from slipway.tooling import stacks
        import os
        assert not os.path.exists(os.environ["LOG"])
        stacks.pulumi_command(); stacks.pulumi_command()
    """, {**env, "LOG": str(log)})
    assert log.read_text().splitlines() == ["version"]


def test_the_slipway_command_starts_the_check_before_it_imports_its_commands(
        fake_path: tuple[dict[str, str], Path]) -> None:
    env, _log = fake_path
    out = run("""
        import sys
        from importlib.abc import MetaPathFinder

        class Watch(MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == "slipway.cli":
                    from slipway.tooling import pulumi_command
                    print("check started before the commands:",
                          bool(pulumi_command._started))
                return None

        sys.meta_path.insert(0, Watch())
        sys.argv = ["slipway", "--help"]
        from slipway._command import main
        try:
            main()
        except SystemExit:
            pass
    """, env)
    assert "check started before the commands: True" in out


def test_a_failed_check_is_raised_to_whoever_needs_pulumi(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # no pulumi at all
    out = run("""
        from slipway.tooling import pulumi_command
        pulumi_command.start()
        try:
            pulumi_command.command()
        except FileNotFoundError as missing:
            print("raised:", missing.filename)
    """, env)
    assert out.strip() == "raised: pulumi"


def test_the_command_leaves_the_collector_no_last_pass_over_its_objects(
        fake_path: tuple[dict[str, str], Path]) -> None:
    # `slipway --help` exits through SystemExit like every command.
    env, _log = fake_path
    out = run("""
        import gc, sys
        sys.argv = ["slipway", "--help"]
        from slipway._command import main
        try:
            main()
        except SystemExit:
            print("frozen objects:", gc.get_freeze_count())
    """, env)
    assert int(out.strip().splitlines()[-1].split(":")[1]) > 10_000
