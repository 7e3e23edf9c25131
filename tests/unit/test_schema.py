"""services/schema.json is what editors validate service files against: keep it generated."""

from __future__ import annotations

import json
from pathlib import Path

from slipway.spec.schema import render, service_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "services" / "schema.json"


def test_committed_schema_matches_the_model() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == render(), (
        "services/schema.json is stale: run `make schema`")


def test_schema_refuses_unknown_fields_and_requires_the_essentials() -> None:
    schema = service_schema()
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == ["image", "name", "version"]
    assert all(d.get("additionalProperties") is False for d in schema["$defs"].values()
               if d.get("type") == "object")


def test_schema_uses_the_yaml_field_names() -> None:
    properties = service_schema()["properties"]
    assert "terminationGracePeriodSeconds" in properties
    assert "termination_grace_period_seconds" not in properties


def test_every_service_file_points_editors_at_the_schema() -> None:
    for path in sorted((ROOT / "services").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=./schema.json", path.name


def test_schema_is_valid_json_with_a_draft() -> None:
    data = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert data["$schema"].endswith("2020-12/schema")
