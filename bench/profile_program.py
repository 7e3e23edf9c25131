"""Where the time of a real-engine preview goes inside the Slipway program (cProfile).

Builds the same throwaway project as bench/engine_preview.py (N generated services of a given
shape), runs one untimed warm-up preview, then one preview whose program runs under cProfile:
the project's `__main__.py` becomes a wrapper that profiles the real program (kept next to it
as `slipway_main.py`) and writes the stats when the program's process exits, after the SDK
has waited for every registration. The profile covers the program's main thread (the asyncio
loop that drives registrations); the gRPC calls run in worker threads and show up as waiting.

    source toolchain/env.sh && .venv/bin/python bench/profile_program.py --size 50 --shape chain
"""

from __future__ import annotations

import argparse
import pstats
import tempfile
from pathlib import Path

from engine_preview import REPRODUCE, require_toolchain, slipway_project  # bench/ on sys.path
from program_overhead import SHAPES, generated_documents
from slipway.tooling.interrupts import let_children_take_interrupts

WRAPPER = """\
import atexit, cProfile, os, runpy

_profiler = cProfile.Profile()


def _dump() -> None:
    _profiler.disable()
    _profiler.dump_stats(os.path.join(os.path.dirname(__file__), "program.prof"))


atexit.register(_dump)
_profiler.enable()
runpy.run_path(os.path.join(os.path.dirname(__file__), "slipway_main.py"), run_name="__main__")
"""


def main() -> None:
    let_children_take_interrupts()  # a background run would wait 5 s per engine run
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50)
    parser.add_argument("--shape", choices=SHAPES, default="chain")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--save", type=Path, help="also copy the raw stats here (pstats file)")
    options = parser.parse_args()
    require_toolchain(f"{REPRODUCE.split(' && ')[0]} && .venv/bin/python bench/profile_program.py")
    with tempfile.TemporaryDirectory(prefix="slipway-profile-") as scratch:
        project = slipway_project(Path(scratch), generated_documents(options.size, options.shape))
        project.preview()  # warm-up: stack creation, .pyc files, plugins
        main_file = project.path / "__main__.py"
        main_file.rename(project.path / "slipway_main.py")
        main_file.write_text(WRAPPER)
        outcome = project.preview()
        stats_file = project.path / "program.prof"
        print(f"{options.shape} {options.size} services: preview {outcome['seconds']:.2f} s "
              "(under the profiler)")
        if options.save:
            options.save.write_bytes(stats_file.read_bytes())
        stats = pstats.Stats(str(stats_file))
        stats.sort_stats("cumulative").print_stats(options.top)
        stats.sort_stats("tottime").print_stats(options.top)


if __name__ == "__main__":
    main()
