"""The public surface of slipway-components: `slipway.__all__`, exactly as docs/publishing.md
lists it, one version written in one place, and the example pinned to it."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import slipway
from slipway import _command

ROOT = Path(__file__).resolve().parents[2]
PUBLISHING = ROOT / "docs" / "publishing.md"
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.\-]+)?$")


def documented_names() -> list[str]:
    """The names in the public-API table of docs/publishing.md (between its markers)."""
    text = PUBLISHING.read_text()
    start = text.index("<!-- public-api:start -->")
    end = text.index("<!-- public-api:end -->")
    return re.findall(r"^\| `([A-Za-z_]\w*)` \|", text[start:end], flags=re.MULTILINE)


def test_all_is_exactly_the_documented_public_api() -> None:
    documented = documented_names()
    assert len(documented) == len(set(documented)), "a name is documented twice"
    assert sorted(slipway.__all__) == sorted(documented)


def test_every_public_name_imports_and_has_a_docstring() -> None:
    for name in slipway.__all__:
        value = getattr(slipway, name)
        doc = (value.__doc__ or "").strip()
        # A dataclass without a docstring gets its signature as one: that documents nothing.
        assert doc and not doc.startswith(f"{name}("), f"slipway.{name} has no docstring"
    # `from slipway import *` gives exactly these.
    namespace: dict[str, object] = {}
    exec("from slipway import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(slipway.__all__)


def test_public_names_do_not_come_from_the_program_layer_or_the_cli() -> None:
    for name in slipway.__all__:
        module = getattr(slipway, name).__module__
        assert not module.startswith(("slipway.cli", "slipway.tooling", "slipway.stack")), (
            f"slipway.{name} is defined in {module}, which is not part of the components")


def test_importing_the_components_loads_nothing_from_the_platform_extra() -> None:
    # A fresh interpreter: other tests in this process import the CLI and the AWS platform.
    code = ("import sys, slipway; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "{'typer', 'rich', 'pulumi_aws', 'slipway.cli', 'slipway.tooling'} "
            "or m.startswith(('slipway.cli', 'slipway.tooling', 'slipway.platform'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_version_is_semver_and_written_only_in_the_version_module() -> None:
    assert SEMVER.match(slipway.__version__), slipway.__version__
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "slipway._version.__version__"}


@pytest.mark.parametrize("requirements", ["examples/team-service/requirements.txt",
                                          "components/plugin/requirements.txt"])
def test_programs_on_the_published_wheel_pin_this_release(requirements: str) -> None:
    text = (ROOT / requirements).read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)$", text, flags=re.MULTILINE))
    assert pins["slipway-components"] == slipway.__version__
    core = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for pin in core:
        name, version = pin.split("==")
        if name in pins:
            assert pins[name] == version, f"{requirements} pins {name}=={pins[name]}, not {pin}"


def test_changelog_has_a_section_for_this_version() -> None:
    changelog = (ROOT / "components" / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## (\S+)", changelog, flags=re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert headings[1] == slipway.__version__, f"newest release in the changelog: {headings[1]}"


def test_slipway_command_without_the_platform_extra_names_the_extra(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "slipway.cli" or m.startswith("slipway.cli.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "typer", None)  # what an absent module looks like
    with pytest.raises(SystemExit) as stopped:
        _command.main()
    assert str(stopped.value) == (
        "slipway: the command needs the platform extra (module 'typer' is not installed); "
        f"install it with: pip install 'slipway-components[platform]=={slipway.__version__}'")


def test_slipway_command_reraises_a_missing_module_that_is_not_the_extras(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "slipway.cli" or m.startswith("slipway.cli.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "slipway.cli", None)
    with pytest.raises(ModuleNotFoundError):
        _command.main()
