"""Settings left out fall through to the components' own defaults.

Every default is declared once, on the component's Args (or `Environment`), where it is
documented. A settings model uses None for "not set"; the program passes only what was set, so
the Args default applies to the rest. `default_of` reads such a default where a check needs the
value a setting will have.
"""

from __future__ import annotations

import dataclasses
from typing import Any


def given(**values: Any) -> dict[str, Any]:
    """The keyword arguments that were set (None: left out, the Args default applies)."""
    return {name: value for name, value in values.items() if value is not None}


def default_of(args_type: type, name: str) -> Any:
    """The default a dataclass (a component's Args) declares for one field."""
    for field in dataclasses.fields(args_type):
        if field.name == name:
            if field.default is not dataclasses.MISSING:
                return field.default
            if field.default_factory is not dataclasses.MISSING:
                return field.default_factory()
            raise ValueError(f"{args_type.__name__}.{name} has no default")
    raise ValueError(f"{args_type.__name__} has no field {name!r}")


def left_out(args_type: type, name: str) -> str:
    """Description text for a setting that falls through: `Left out: <default> (<Args.field>)`."""
    default = default_of(args_type, name)
    shown = ", ".join(map(str, default)) if isinstance(default, tuple | list) else default
    shown = shown if shown not in ("", None) else "none"
    return f"Left out: {shown} ({args_type.__name__}.{name})."
