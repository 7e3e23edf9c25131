"""Pending operations read from a file backend's state file (tooling/recovery.py) only when
its layout is certain; anything else is left to `pulumi stack export`."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from slipway.tooling import recovery

PENDING = [{"resource": {"urn": "urn:pulumi:dev::slipway::kubernetes:core/v1:ConfigMap::x-config",
                         "type": "kubernetes:core/v1:ConfigMap"}, "type": "creating"}]


def backend_with(tmp_path: Path, latest: dict[str, Any], *, meta: str = "version: 1\n",
                 version: int = 3, suffix: str = ".json") -> Path:
    (tmp_path / ".pulumi" / "stacks" / "slipway").mkdir(parents=True)
    (tmp_path / ".pulumi" / "meta.yaml").write_text(meta)
    text = json.dumps({"version": version,
                       "checkpoint": {"stack": "organization/slipway/dev", "latest": latest}},
                      separators=(",", ":")).encode()
    path = tmp_path / ".pulumi" / "stacks" / "slipway" / f"dev{suffix}"
    path.write_bytes(gzip.compress(text) if suffix.endswith(".gz") else text)
    return tmp_path


def test_pending_operations_are_read_from_the_state_file(tmp_path: Path) -> None:
    backend = backend_with(tmp_path, {"resources": [], "pending_operations": PENDING})
    path = recovery.state_file(backend, "slipway", "dev")
    assert path is not None
    assert recovery.pending_in_state_file(path) == PENDING


def test_a_state_without_pending_operations_reads_none(tmp_path: Path) -> None:
    # Text that mentions the key inside a value is not the field (its quotes are escaped).
    backend = backend_with(tmp_path, {"resources": [{"outputs": {
        "data": {"note": '"pending_operations": []'}}}]})
    path = recovery.state_file(backend, "slipway", "dev")
    assert path is not None and recovery.pending_in_state_file(path) == []


@pytest.mark.parametrize("meta", ["version: 0\n", "", "version: 2\n"])
def test_a_layout_other_than_project_scoped_is_left_to_the_cli(tmp_path: Path,
                                                               meta: str) -> None:
    backend = backend_with(tmp_path, {"pending_operations": PENDING}, meta=meta)
    assert recovery.state_file(backend, "slipway", "dev") is None


def test_a_compressed_state_is_left_to_the_cli(tmp_path: Path) -> None:
    backend = backend_with(tmp_path, {"pending_operations": PENDING}, suffix=".json.gz")
    assert recovery.state_file(backend, "slipway", "dev") is None
    # Both variants: Pulumi reads the newer one; which one that is, is not guessed here.
    (backend / ".pulumi" / "stacks" / "slipway" / "dev.json").write_text("{}")
    assert recovery.state_file(backend, "slipway", "dev") is None


def test_a_checkpoint_of_another_version_is_left_to_the_cli(tmp_path: Path) -> None:
    backend = backend_with(tmp_path, {"pending_operations": PENDING}, version=4)
    path = recovery.state_file(backend, "slipway", "dev")
    assert path is not None and recovery.pending_in_state_file(path) is None


def test_a_missing_stack_or_backend_is_left_to_the_cli(tmp_path: Path) -> None:
    assert recovery.state_file(tmp_path, "slipway", "dev") is None
    backend = backend_with(tmp_path, {})
    assert recovery.state_file(backend, "slipway", "prod") is None
    assert recovery.state_file(backend, "other-project", "dev") is None
