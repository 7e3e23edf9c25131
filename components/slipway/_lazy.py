"""Package names loaded on first use (PEP 562), for `slipway` and `slipway.stack`.

The program imports `slipway.stack.own_outputs` before anything else so that its progress read
runs while the rest imports; the package inits on the way must not import every component and
spec model first."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def module_getattr(package: str, homes: Mapping[str, str]) -> Callable[[str], object]:
    """A module `__getattr__` for `package`: each name in `homes` comes from the submodule
    named there (relative, e.g. ".spec"), imported on first use and kept in the package."""

    def load(name: str) -> object:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home, package), name)
        vars(importlib.import_module(package))[name] = value  # later lookups skip this
        return value

    return load
