"""Entry point of the `slipway` command.

The command ships in the same distribution as the components, but its dependencies (typer,
rich, pulumi-aws) come with the `platform` extra only, so a service team that installed the
core gets a clear instruction instead of a traceback.
"""

from __future__ import annotations

import gc
import sys

from ._version import __version__
from .tooling.interrupts import let_children_take_interrupts

PLATFORM_MODULES = frozenset({"typer", "rich", "pulumi_aws"})


def main() -> None:
    # Before the first `pulumi` process: none may inherit an ignored Ctrl-C (tooling/interrupts.py).
    let_children_take_interrupts()
    # The CLI's version check runs while the command's modules import (tooling/pulumi_command.py).
    from .tooling import pulumi_command  # noqa: PLC0415  (pulumi only: a core dependency)

    pulumi_command.start()
    try:
        from .cli import app  # noqa: PLC0415  (imported late: it needs the platform extra)
    except ModuleNotFoundError as missing:
        if missing.name not in PLATFORM_MODULES:
            raise
        sys.exit(
            f"slipway: the command needs the platform extra (module {missing.name!r} is not "
            "installed); install it with: "
            f"pip install 'slipway-components[platform]=={__version__}'"
        )
    try:
        app()
    finally:
        # The process ends with the command: the collector's last pass over every object the
        # loaded modules made (pydantic models, the SDKs) only delays the exit (60 ms). Frozen
        # objects are skipped; finalizers and atexit handlers still run.
        gc.freeze()
