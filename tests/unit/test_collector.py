"""The program keeps what it built out of the cyclic collector's scans (stack/collector.py):
after its imports and after its last resource, never under unit-test mocks."""

from __future__ import annotations

import ast
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from slipway.stack import collector

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_real_run_moves_every_live_object_out_of_the_collectors_reach(
        unfrozen: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(collector, "under_mocks", lambda: False)
    assert gc.get_freeze_count() == 0
    kept = [object() for _ in range(10)]
    assert collector.freeze_long_lived() is True
    assert gc.get_freeze_count() >= len(kept)


def test_under_mocks_nothing_is_frozen(unfrozen: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # One test process runs many programs: frozen objects would never be collected.
    monkeypatch.setattr(collector, "under_mocks", lambda: True)
    assert collector.freeze_long_lived() is False
    assert gc.get_freeze_count() == 0


def program_statements() -> list[str]:
    tree = ast.parse((ROOT / "__main__.py").read_text())
    return [ast.unparse(node) for node in tree.body]


def test_the_program_freezes_after_its_imports_and_after_its_last_resource() -> None:
    statements = program_statements()
    freezes = [index for index, text in enumerate(statements) if text == "freeze_long_lived()"]
    assert len(freezes) == 2, freezes
    first, second = freezes
    last_import = max(index for index, text in enumerate(statements)
                      if text.startswith(("import ", "from ")))
    reads_config = next(index for index, text in enumerate(statements)
                        if "program_config()" in text)
    assert last_import < first < reads_config
    builds_services = next(index for index, text in enumerate(statements)
                           if text.startswith("services = deploy_catalog("))
    first_export = next(index for index, text in enumerate(statements)
                        if text.startswith("pulumi.export("))
    assert builds_services < second < first_export
    # Nothing is built after the second freeze: only the stack's outputs follow it.
    assert all(text.startswith(("pulumi.export(", "if platform is not None:\n    pulumi.export("))
               for text in statements[second + 1:]), statements[second + 1:]
