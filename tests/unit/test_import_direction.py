"""Imports point downward: cli -> tooling -> stack -> components, never the other way.

The components (`slipway`, `slipway.spec`, `slipway.platform`: what service teams import) know
nothing of the program layer (`slipway.stack`), the tooling or the CLI. Every module of the
package is walked and its imports read with `ast`, so a new module is covered without a list.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "components" / "slipway"
# Higher layers may import lower ones; anything not named here is a component (layer 0).
LAYERS = {"slipway.stack": 1, "slipway.tooling": 2, "slipway.cli": 3}
LAYER_NAMES = {0: "components", 1: "slipway.stack", 2: "slipway.tooling", 3: "slipway.cli"}


def module_name(path: Path) -> str:
    parts = ["slipway", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    for prefix, rank in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return rank
    return 0


def imported_modules(source: str, module: str, is_package: bool) -> list[str]:
    """Absolute names of the slipway modules that `module`'s source imports."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.append(target)
            # `from . import stack` names a module too.
            found += [f"{target}.{alias.name}" for alias in node.names]
    return [name for name in found if name == "slipway" or name.startswith("slipway.")]


def upward_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    own = layer(module)
    return [f"{module} ({LAYER_NAMES[own]}) imports {target} ({LAYER_NAMES[layer(target)]})"
            for target in imported_modules(source, module, is_package)
            if layer(target) > own]


def package_modules() -> list[tuple[str, Path]]:
    return sorted((module_name(path), path) for path in PACKAGE.rglob("*.py"))


def test_the_walk_finds_every_layer() -> None:
    layers = {layer(name) for name, _ in package_modules()}
    assert layers == {0, 1, 2, 3}
    assert len(package_modules()) > 60


@pytest.mark.parametrize(("module", "path"), package_modules(), ids=str)
def test_no_module_imports_a_layer_above_its_own(module: str, path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert upward_imports(source, module, path.name == "__init__.py") == []


@pytest.mark.parametrize(("source", "module", "is_package"), [
    ("from .stack import read_settings", "slipway.microservice", False),
    ("from ..stack.settings import StackSettings", "slipway.platform.mesh", False),
    ("from .. import cli", "slipway.spec.loader", False),
    ("import slipway.tooling.stacks", "slipway.workload", False),
    ("from . import stack", "slipway", True),
    ("from ..tooling import stacks", "slipway.stack.config", False),
])
def test_an_upward_import_is_caught(source: str, module: str, is_package: bool) -> None:
    assert upward_imports(source, module, is_package)


@pytest.mark.parametrize(("source", "module", "is_package"), [
    ("from ..platform import charts", "slipway.stack.platform_settings", False),
    ("from .spec.service import ServiceSpec", "slipway.microservice", False),
    ("from ..stack import read_settings", "slipway.tooling.releases", False),
    ("from . import validation", "slipway.spec", True),
])
def test_a_downward_import_passes(source: str, module: str, is_package: bool) -> None:
    assert upward_imports(source, module, is_package) == []
