"""The `services` fixture for tests that write service catalogs (re-exported by
tests/conftest.py, which mypy skips)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty services/ directory, with the working directory at its parent (error lines
    then read `services/<file>: ...`, as in a project)."""
    monkeypatch.chdir(tmp_path)
    directory = tmp_path / "services"
    directory.mkdir()
    return directory
