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
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def python(self) -> Path:
        return self.path / "venv" / "bin" / "python"

    @property
    def out(self) -> Path:
        return self.path / "out" / "dev"

    def env(self) -> dict[str, str]:
        return {"PULUMI_BACKEND_URL": f"file://{self.backend}",
                "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE, **self.extra_env}

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


def install_into_venv(path: Path, package: BuiltPackage) -> None:
    """`path/venv` with the built wheel and `path/requirements.txt` installed, as a team
    following the example's README would."""
    venv.EnvBuilder(with_pip=True, clear=True).create(path / "venv")
    pip = [str(path / "venv" / "bin" / "python"), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check"]
    # PIP_* from the caller's environment must not point pip at the repository's own venv.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    subprocess.run([*pip, str(package.wheel), "-r", "requirements.txt"], check=True,
                   capture_output=True, text=True, cwd=path, env=env)


def copy_example(example: str, workdir: Path) -> Path:
    """`examples/<example>` copied to `workdir/examples/<example>` (relative paths hold)."""
    path = workdir / "examples" / example
    shutil.copytree(EXAMPLES / example, path,
                    ignore=shutil.ignore_patterns("venv", "out", "__pycache__"))
    return path


def install_example(example: str, package: BuiltPackage, workdir: Path) -> TeamProject:
    """A Python example with its own venv holding the built wheel."""
    path = copy_example(example, workdir)
    install_into_venv(path, package)
    backend = workdir / "state"
    backend.mkdir()
    return TeamProject(path=path, backend=backend)


def yaml_host() -> Path:
    """The directory of pulumi-language-yaml, built by toolchain/install-yaml.sh (cached)."""
    done = subprocess.run(["bash", str(ROOT / "toolchain" / "install-yaml.sh")], check=True,
                          capture_output=True, text=True)
    return Path(done.stdout.strip().splitlines()[-1])


def install_yaml_example(package: BuiltPackage, workdir: Path) -> TeamProject:
    """examples/yaml-service next to a copy of components/plugin whose venv holds the built
    wheel (the program's `packages:` entry points there), and the YAML host on PATH."""
    plugin = workdir / "components" / "plugin"
    shutil.copytree(ROOT / "components" / "plugin", plugin,
                    ignore=shutil.ignore_patterns("venv", "__pycache__"))
    install_into_venv(plugin, package)
    path = copy_example("yaml-service", workdir)
    backend = workdir / "state"
    backend.mkdir()
    # The YAML host is found on PATH, which toolchain/env.sh's PULUMI_IGNORE_AMBIENT_PLUGINS
    # forbids; the Kubernetes provider still comes from the toolchain's PULUMI_HOME.
    return TeamProject(path=path, backend=backend, extra_env={
        "PATH": f"{yaml_host()}{os.pathsep}{os.environ.get('PATH', '')}",
        "PULUMI_IGNORE_AMBIENT_PLUGINS": "false"})
