"""toolchain/install.sh and env.sh pick an installed official Pulumi CLI when it fits.

The built toolchain stands in for an installed CLI: its binaries are linked into a temporary
bin dir put on PATH, and its plugins into a temporary PULUMI_HOME, the way an official install
(`pulumi` + language host in one dir, plugins under ~/.pulumi/plugins) lays them out.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from engine_project import require_toolchain

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / "toolchain" / "install.sh"
ENV_SH = ROOT / "toolchain" / "env.sh"
BINARIES = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec")
BASE_PATH = "/usr/local/bin:/usr/bin:/bin"


def versions() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "toolchain" / "versions.env").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            pins[key] = value
    return pins


@pytest.fixture
def built() -> Path:
    """The bin dir of the toolchain the suite runs with (built, or itself an installed one)."""
    require_toolchain()
    return Path(os.environ["SLIPWAY_TOOLCHAIN_BIN"])


def plugins_dir(built: Path) -> Path:
    home = os.environ.get("PULUMI_HOME") or str(Path.home() / ".pulumi")
    return Path(home) / "plugins"


def stand_in(tmp_path: Path, built: Path, *, binaries: tuple[str, ...] = BINARIES,
             with_plugin: bool = True) -> tuple[Path, Path]:
    """An 'installed' CLI: (bin dir, PULUMI_HOME), linked to the built binaries and plugins."""
    bin_dir, home = tmp_path / "installed" / "bin", tmp_path / "installed" / "home"
    bin_dir.mkdir(parents=True)
    home.mkdir()
    for name in binaries:
        (bin_dir / name).symlink_to(built / name)
    if with_plugin:  # `pulumi plugin ls` skips linked plugin dirs, not a linked plugins dir
        (home / "plugins").symlink_to(plugins_dir(built))
    else:
        (home / "plugins").mkdir()
    return bin_dir, home


def run(script: list[str], *, path: str, home: Path, choice: str | None
        ) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("SLIPWAY_PULUMI", "PULUMI_HOME", "SLIPWAY_TOOLCHAIN_BIN")}
    env.update(PATH=path, PULUMI_HOME=str(home))
    if choice is not None:
        env["SLIPWAY_PULUMI"] = choice
    return subprocess.run(script, env=env, capture_output=True, text=True, check=False,
                          timeout=120)


def install(path: str, home: Path, choice: str | None = None
            ) -> subprocess.CompletedProcess[str]:
    return run(["bash", str(INSTALL)], path=path, home=home, choice=choice)


def test_auto_uses_a_compatible_installed_cli(tmp_path: Path, built: Path) -> None:
    bin_dir, home = stand_in(tmp_path, built)
    done = install(f"{bin_dir}:{BASE_PATH}", home)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(bin_dir)


def test_env_sh_with_an_installed_cli_keeps_its_home_and_sees_its_plugins(
        tmp_path: Path, built: Path) -> None:
    bin_dir, home = stand_in(tmp_path, built)
    script = (f"source {ENV_SH} && echo \"$SLIPWAY_PULUMI_SOURCE $SLIPWAY_TOOLCHAIN_BIN "
              "$PULUMI_HOME $(command -v pulumi)\" && pulumi plugin ls")
    done = run(["bash", "-c", script], path=f"{bin_dir}:{BASE_PATH}", home=home, choice="system")
    assert done.returncode == 0, done.stderr
    first, *listing = done.stdout.splitlines()
    assert first.split() == ["system", str(bin_dir), str(home), str(bin_dir / "pulumi")]
    kubernetes = [line.split() for line in listing if line.startswith("kubernetes")]
    assert kubernetes and kubernetes[0][2] == versions()["PULUMI_KUBERNETES_VERSION"]


def test_build_ignores_the_installed_cli(tmp_path: Path, built: Path) -> None:
    bin_dir, home = stand_in(tmp_path, built)
    done = install(f"{bin_dir}:{BASE_PATH}", home, "build")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() != str(bin_dir)
    assert (Path(done.stdout.strip()).parent / ".complete").is_file()


def test_system_without_the_kubernetes_plugin_fails_naming_the_install_command(
        tmp_path: Path, built: Path) -> None:
    bin_dir, home = stand_in(tmp_path, built, with_plugin=False)
    done = install(f"{bin_dir}:{BASE_PATH}", home, "system")
    assert done.returncode == 1
    assert done.stdout == ""
    version = versions()["PULUMI_KUBERNETES_VERSION"]
    assert f"pulumi plugin install resource kubernetes v{version}" in done.stderr


def test_system_refuses_a_cli_without_its_language_host(tmp_path: Path, built: Path) -> None:
    bin_dir, home = stand_in(tmp_path, built, binaries=("pulumi",))
    done = install(f"{bin_dir}:{BASE_PATH}", home, "system")
    assert done.returncode == 1
    assert "pulumi-language-python" in done.stderr


def test_an_older_installed_cli_is_not_used(tmp_path: Path, built: Path) -> None:
    bin_dir, home = stand_in(tmp_path, built, binaries=())
    old = bin_dir / "pulumi"
    old.write_text("#!/bin/sh\necho v3.100.0\n")
    old.chmod(0o755)
    refused = install(f"{bin_dir}:{BASE_PATH}", home, "system")
    assert refused.returncode == 1
    assert f"at least v{versions()['PULUMI_VERSION']}" in refused.stderr
    fallback = install(f"{bin_dir}:{BASE_PATH}", home)  # auto: the (warm) built toolchain
    assert fallback.returncode == 0, fallback.stderr
    assert fallback.stdout.strip() != str(bin_dir)


def test_a_previously_sourced_built_toolchain_on_path_is_not_taken_for_an_installed_one(
        tmp_path: Path, built: Path) -> None:
    cache_bin = install(BASE_PATH, tmp_path, "build").stdout.strip()
    done = install(f"{cache_bin}:{BASE_PATH}", tmp_path, "system")
    assert done.returncode == 1
    assert "no pulumi installed on PATH" in done.stderr


def test_an_unknown_choice_is_an_error(tmp_path: Path, built: Path) -> None:
    done = install(BASE_PATH, tmp_path, "latest")
    assert done.returncode == 1
    assert "expected auto (the default), system or build" in done.stderr
