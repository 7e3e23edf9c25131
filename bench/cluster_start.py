"""How long the local cluster takes to start: cold (a new cluster), warm (`up` while it runs),
and a restart on existing data (after its processes were stopped, as after a reboot).

Uses its own cluster (name `slipway-bench`, in a temporary folder), never the one `make up`
uses, and stops it at the end. The binaries must be built (the first run builds them, which is
not what this measures: see toolchain/cluster/build.sh's own timing). Figures are for reading.

    cd /work/main && .venv/bin/python bench/cluster_start.py [--warm-runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from slipway.tooling.cluster import LocalCluster, build_binaries

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=5)
    args = parser.parse_args()
    build_binaries(ROOT)
    with tempfile.TemporaryDirectory(prefix="slipway-bench-cluster-") as tmp:
        local = LocalCluster(ROOT, name="slipway-bench", root=Path(tmp) / "cluster")
        try:
            cold = local.up(log=lambda _: None)
            warm = [local.up(log=lambda _: None).seconds for _ in range(args.warm_runs)]
            local._stop_processes(local._recorded(), log=lambda _: None)
            restart = local.up(log=lambda _: None)
        finally:
            start = time.monotonic()
            local.down(log=lambda _: None)
            down = time.monotonic() - start
    print("| start | seconds |")
    print("|---|---|")
    print(f"| cold (new cluster: {cold.nodes_ready} nodes, CRDs) | {cold.seconds:.1f} |")
    print(f"| warm (`up` while running, median of {len(warm)}) | {statistics.median(warm):.2f} |")
    print(f"| restart on existing data ({restart.action}) | {restart.seconds:.1f} |")
    print(f"| down | {down:.1f} |")


if __name__ == "__main__":
    main()
