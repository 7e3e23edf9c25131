"""The engine's private temporary directory: private, shared by the process, gone at exit."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from slipway.tooling.engine_tmp import engine_env, engine_tmpdir, remove_orphans


def test_the_engine_gets_one_private_directory_per_process() -> None:
    env = engine_env()
    directory = Path(env["TMPDIR"])
    assert env == {"TMPDIR": str(directory), "TMP": str(directory), "TEMP": str(directory)}
    assert directory.is_dir() and directory.name.startswith("slipway-engine-")
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert engine_tmpdir() == directory


def test_the_directory_and_what_the_engine_left_in_it_are_removed_at_exit(
        tmp_path: Path) -> None:
    script = ("from slipway.tooling.engine_tmp import engine_tmpdir\n"
              "d = engine_tmpdir()\n"
              "(d / 'kubeconfig123').write_text('credentials')\n"
              "print(d)\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={"TMPDIR": str(tmp_path), "PATH": ""}, check=True, timeout=60)
    made = Path(result.stdout.strip())
    assert made.parent == tmp_path
    assert not made.exists() and list(tmp_path.iterdir()) == []


def test_a_killed_process_leaves_its_directory_to_the_next_one(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    orphan = tmp_path / f"slipway-engine-{gone}-abc123"
    orphan.mkdir()
    (orphan / "kubeconfig1").write_text("credentials")
    running = tmp_path / f"slipway-engine-{os.getpid()}-def456"
    running.mkdir()
    unrelated = tmp_path / "slipway-engine-notapid"
    unrelated.mkdir()
    assert remove_orphans(tmp_path) == [orphan]
    assert not orphan.exists() and running.is_dir() and unrelated.is_dir()
