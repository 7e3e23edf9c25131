"""Keep the program's long-lived objects out of Python's cyclic garbage collector.

A Pulumi program builds everything it registers (resources, their Outputs and arguments, the
spec models, the modules imported for them) and keeps it until the process ends. Python's
collector still scans all of it at every full collection, and a full collection runs each time
the heap has grown by a quarter: at 50 services the program spent 1.3-1.4 s of its 4 s of CPU
in the collector, 1.1-1.2 s of it in nine full collections (docs/scale.md). `gc.freeze()`
moves every object alive at that moment to a generation the collector never scans; what is
created afterwards is collected as usual.

The program calls `freeze_long_lived` twice: after its imports and after its last resource is
constructed. Only the program does: the components never change how the process collects.
"""

from __future__ import annotations

import gc

from .own_outputs import under_mocks


def freeze_long_lived() -> bool:
    """Move every object alive now out of the collector's reach; False (nothing done) under
    unit-test mocks, where one process runs many programs and would keep each one's garbage."""
    if under_mocks():
        return False
    gc.freeze()
    return True
