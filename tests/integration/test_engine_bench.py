"""bench/engine_preview.py still runs: its three programs register the same resources (it
checks that itself on the engine's events) and it prints a row of figures per shape and size,
for a preview (with the raw twin that freezes its objects too) and for an `up` without the
checkpoint write. The figures are not asserted; that the bench works is."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine_project import require_toolchain

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\s*(chain|none|graph)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+"
                 r"([\d.]+)\s+([\d.]+)\s+(\d+)\s+(\d+)(?:\s+([\d.]+)\s+([\d.]+))?\s*$",
                 flags=re.MULTILINE)


def ratio_of_printed(numerator: float, denominator: float) -> tuple[float, float]:
    """The range a ratio printed to two decimals can take when both seconds it divides were
    themselves printed to two decimals (each off by up to 0.005)."""
    half = 0.005
    return (numerator - half) / (denominator + half) - half, \
        (numerator + half) / (denominator - half) + half


def run_bench(*args: str) -> str:
    require_toolchain()
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "engine_preview.py"), *args],
                          capture_output=True, text=True, check=False, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize(("operation", "shapes", "extra"), [
    ("preview", ["graph", "none"], ["--raw-freeze"]),
    ("up", ["graph"], ["--skip-checkpoints"]),
])
def test_the_engine_bench_prints_a_row_per_shape_for_the_same_resources(
        operation: str, shapes: list[str], extra: list[str]) -> None:
    out = run_bench("--sizes", "2", "--repeat", "1", "--shapes", *shapes,
                    "--operation", operation, *extra)
    rows = {(match[1], int(match[2])): match for match in ROW.finditer(out)}
    assert set(rows) == {(shape, 2) for shape in shapes}, out
    for match in rows.values():
        slipway_s, raw_s, ratio = float(match[4]), float(match[5]), float(match[6])
        assert slipway_s > 0 and raw_s > 0
        low, high = ratio_of_printed(slipway_s, raw_s)
        assert low <= ratio <= high, (ratio, slipway_s, raw_s)
        assert int(match[3]) > 2 * 10  # custom resources of 2 services and the namespace
        # The raw+freeze columns are there exactly when that twin was asked for.
        assert (match[11] is not None) == ("--raw-freeze" in extra)
        if match[11] is not None:
            low, high = ratio_of_printed(slipway_s, float(match[11]))
            assert low <= float(match[12]) <= high, (match[12], slipway_s, match[11])
    assert f"{operation} of stack 'dev'" in out
    assert ("PULUMI_SKIP_CHECKPOINTS=true" in out) == ("--skip-checkpoints" in extra)
    assert f"--operation {operation}{''.join(' ' + flag for flag in extra)};" in out
