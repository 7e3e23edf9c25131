"""toolchain/install.sh refuses Python pins that drift from toolchain/versions.env.

The CLI (PULUMI_VERSION) and the Python SDK (PULUMI_PYTHON_SDK_VERSION) are pinned apart: a
newer CLI runs an older SDK, never the reverse. The checks run before any cache lookup or
build, so a copy of toolchain/ next to a pyproject.toml of the test's making is enough.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pins() -> dict[str, str]:
    text = (ROOT / "toolchain" / "versions.env").read_text()
    return dict(re.findall(r"^([A-Z_]+)=(.*)$", text, re.MULTILINE))


def checkout(tmp_path: Path, *, sdk: str, kubernetes: str, versions: str | None = None) -> Path:
    """A copy of toolchain/ beside a pyproject.toml pinning the given SDK versions."""
    shutil.copytree(ROOT / "toolchain", tmp_path / "toolchain")
    if versions is not None:
        (tmp_path / "toolchain" / "versions.env").write_text(versions)
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "x"\ndependencies = [\n    "pulumi=={sdk}",\n'
        f'    "pulumi-kubernetes=={kubernetes}",\n]\n')
    return tmp_path / "toolchain" / "install.sh"


def install(script: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # SLIPWAY_PULUMI=system with no pulumi on PATH: past the pin checks it fails at once,
    # without ever building.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SLIPWAY_PULUMI": "system",
           "SLIPWAY_TOOLCHAIN_DIR": str(tmp_path / "cache")}
    return subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True,
                          check=False, timeout=60)


def test_the_repository_pins_the_sdks_versions_env_names() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'"pulumi=={pins()["PULUMI_PYTHON_SDK_VERSION"]}"' in pyproject
    assert f'"pulumi-kubernetes=={pins()["PULUMI_KUBERNETES_VERSION"]}"' in pyproject


def test_matching_pins_pass_the_check(tmp_path: Path) -> None:
    script = checkout(tmp_path, sdk=pins()["PULUMI_PYTHON_SDK_VERSION"],
                      kubernetes=pins()["PULUMI_KUBERNETES_VERSION"])
    done = install(script, tmp_path)
    assert done.returncode == 1  # no installed CLI: the next check, not the pins, refuses
    assert "no pulumi installed on PATH" in done.stderr
    assert "pyproject.toml" not in done.stderr


def test_a_drifted_sdk_pin_is_refused_naming_both_pins(tmp_path: Path) -> None:
    script = checkout(tmp_path, sdk="3.200.0", kubernetes=pins()["PULUMI_KUBERNETES_VERSION"])
    done = install(script, tmp_path)
    assert done.returncode == 1
    assert f"wants pulumi=={pins()['PULUMI_PYTHON_SDK_VERSION']}" in done.stderr
    assert '"pulumi==3.200.0"' in done.stderr


def test_a_drifted_kubernetes_pin_is_refused(tmp_path: Path) -> None:
    script = checkout(tmp_path, sdk=pins()["PULUMI_PYTHON_SDK_VERSION"], kubernetes="4.1.0")
    done = install(script, tmp_path)
    assert done.returncode == 1
    assert f"wants pulumi-kubernetes=={pins()['PULUMI_KUBERNETES_VERSION']}" in done.stderr


def test_an_sdk_newer_than_the_cli_is_refused(tmp_path: Path) -> None:
    cli = pins()["PULUMI_VERSION"]
    versions = (ROOT / "toolchain" / "versions.env").read_text().replace(
        f"PULUMI_PYTHON_SDK_VERSION={pins()['PULUMI_PYTHON_SDK_VERSION']}",
        "PULUMI_PYTHON_SDK_VERSION=3.999.0")
    script = checkout(tmp_path, sdk="3.999.0", kubernetes=pins()["PULUMI_KUBERNETES_VERSION"],
                      versions=versions)
    done = install(script, tmp_path)
    assert done.returncode == 1
    assert f"PULUMI_PYTHON_SDK_VERSION=3.999.0 is newer than the CLI's PULUMI_VERSION={cli}" \
        in done.stderr
