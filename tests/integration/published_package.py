"""The published package as a service team gets it: built once, installed into a fresh venv.

Building the wheel (`python -m build`, what `make dist` runs) and installing it with its pins
are the slow steps, so conftest.py makes them session fixtures that every test shares.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PASSPHRASE = "team-service-test-passphrase"


@dataclass(frozen=True)
class BuiltPackage:
    wheel: Path
    sdist: Path


def build(out_dir: Path) -> BuiltPackage:
    """Wheel and sdist from the repository, exactly as `make dist` builds them."""
    subprocess.run([sys.executable, "-m", "build", "--quiet", "--outdir", str(out_dir), str(ROOT)],
                   check=True, capture_output=True, text=True)
    wheels = sorted(out_dir.glob("*.whl"))
    sdists = sorted(out_dir.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out_dir.iterdir())
    return BuiltPackage(wheel=wheels[0], sdist=sdists[0])


@dataclass
class TeamProject:
    """A copy of an example program with its own venv (the wheel installed) and file backend."""

    path: Path
    backend: Path
    log: list[str] = field(default_factory=list)

    @property
    def python(self) -> Path:
        return self.path / "venv" / "bin" / "python"

    def env(self) -> dict[str, str]:
        return {"PULUMI_BACKEND_URL": f"file://{self.backend}",
                "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE}

    def stack(self, name: str = "dev") -> auto.Stack:
        return auto.create_or_select_stack(
            stack_name=name, work_dir=str(self.path),
            opts=auto.LocalWorkspaceOptions(secrets_provider="passphrase", env_vars=self.env()),
        )

    def up(self, name: str = "dev") -> auto.UpResult:
        return self.stack(name).up(on_output=self.log.append, color="never")

    def run_python(self, code: str) -> str:
        done = subprocess.run([str(self.python), "-c", code], check=True, capture_output=True,
                              text=True, cwd=self.path)
        return done.stdout

    def resources(self, name: str = "dev") -> list[dict[str, Any]]:
        deployment = self.stack(name).export_stack().deployment or {}
        return list(deployment.get("resources", []))


def install_example(example: str, package: BuiltPackage, workdir: Path) -> TeamProject:
    """Copy `examples/<example>`, make its own venv and install the built wheel plus the
    example's requirements into it, as a team following the example's README would."""
    path = workdir / example
    shutil.copytree(EXAMPLES / example, path,
                    ignore=shutil.ignore_patterns("venv", "out", "__pycache__"))
    venv.EnvBuilder(with_pip=True, clear=True).create(path / "venv")
    pip = [str(path / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check"]
    # PIP_* from the caller's environment must not point pip at the repository's own venv.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    subprocess.run([*pip, str(package.wheel), "-r", "requirements.txt"], check=True,
                   capture_output=True, text=True, cwd=path, env=env)
    backend = workdir / "state"
    backend.mkdir()
    return TeamProject(path=path, backend=backend)
