"""The multi-language face (slipway.multi_language): the schema Pulumi infers from it is the
committed one, its defaults are the spec's, and it registers what the Python call does."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from microservice_fixtures import IMAGE
from mocking import Registry, run_under_mocks
from slipway import Environment, Microservice, MicroserviceArgs, ServiceSpec, SpecError
from slipway import multi_language as face

ROOT = Path(__file__).resolve().parents[2]
COMMITTED_SCHEMA = ROOT / "components" / "plugin" / "schema.json"

FULL_INPUTS: face.MicroserviceInputs = {
    "name": "checkout", "image": IMAGE, "version": "2.4.0", "namespace": "payments-dev",
    "team": "payments", "port": 9090, "cpu": "250m", "memory": "256Mi", "cpu_limit": "1",
    "memory_limit": "512Mi", "readiness_path": "/ready", "liveness_path": "/live",
    "startup_path": "/started", "min_replicas": 3, "max_replicas": 9, "cpu_utilization": 60,
    "strategy": "canary", "public": True, "host": "checkout.example.com", "path": "/pay",
    "config": {"LOG_LEVEL": "debug"},
}


def inferred_schema() -> dict[str, Any]:
    return face.schema()


def test_inferred_schema_is_the_committed_contract() -> None:
    # Regenerate with: python -m slipway.multi_language components/plugin/schema.json
    assert inferred_schema() == json.loads(COMMITTED_SCHEMA.read_text())


def test_schema_inputs_are_flat_and_plain() -> None:
    resource = inferred_schema()["resources"]["slipway:index:Microservice"]
    assert sorted(resource["requiredInputs"]) == ["image", "name", "namespace", "version"]
    for name, prop in resource["inputProperties"].items():
        assert prop.get("plain") is True, name
        assert "$ref" not in prop, f"{name} is not flat"
        assert prop["description"], f"{name} is undocumented"


def test_every_input_reaches_its_spec_field() -> None:
    spec = face.microservice_args("checkout", FULL_INPUTS).spec
    assert spec.port == 9090
    assert (spec.resources.cpu, spec.resources.memory) == ("250m", "256Mi")
    assert (spec.resources.limits.cpu, spec.resources.limits.memory) == ("1", "512Mi")
    assert (spec.probes.readiness.path, spec.probes.liveness.path,
            spec.probes.startup.path) == ("/ready", "/live", "/started")
    assert (spec.scaling.min, spec.scaling.max, spec.scaling.cpu) == (3, 9, 60)
    assert spec.release.strategy == "canary"
    assert (spec.exposure.public, spec.exposure.host, spec.exposure.path) == (
        True, "checkout.example.com", "/pay")
    assert spec.config == {"LOG_LEVEL": "debug"}
    assert spec.team == "payments"
    assert set(face.SPEC_PATHS) == set(face.MicroserviceInputs.__annotations__) - {
        "namespace", "environment"}


def test_documented_defaults_are_the_spec_defaults() -> None:
    """A docstring saying `Default X.` must say what the spec really defaults to."""
    schema = inferred_schema()["resources"]["slipway:index:Microservice"]["inputProperties"]
    minimal = face.spec_document({"name": "api", "image": IMAGE, "version": "1.0.0",
                                  "namespace": "apps"})
    defaults = ServiceSpec.model_validate(minimal).model_dump(by_alias=True)
    checked = 0
    for key, path in face.SPEC_PATHS.items():
        said = re.search(r"Default (\S+)\.$", schema[face._camel(key)]["description"])
        if said is None:
            continue
        value: Any = defaults
        for part in path:
            value = value[face._camel(part)]
        assert said.group(1) == str(value), f"{key}: docs say {said.group(1)}, spec has {value}"
        checked += 1
    assert checked >= 8


def render(program_inputs: face.MicroserviceInputs | None = None) -> tuple[Registry, Registry]:
    """The face and the Python component with the same inputs, each under mocks."""
    inputs = program_inputs or FULL_INPUTS
    args = face.microservice_args(inputs["name"], inputs)
    by_face = run_under_mocks(lambda: face.Microservice(inputs["name"], inputs))
    spec = ServiceSpec.model_validate(face.spec_document(inputs))
    by_python = run_under_mocks(lambda: Microservice(inputs["name"], MicroserviceArgs(
        spec=spec, environment=Environment("dev", inputs["namespace"]),
        namespace=inputs["namespace"])))
    assert args.spec == spec
    return by_face, by_python


def test_face_registers_exactly_what_the_python_call_registers() -> None:
    by_face, by_python = render()
    # Registration order is not deterministic (outputs resolve asynchronously): compare by name.
    seen = {(r.type, r.name): (r.parent, r.inputs) for r in by_face}
    expected = {(r.type, r.name): (r.parent, r.inputs) for r in by_python}
    assert len(seen) == len(by_face) == len(by_python)
    assert seen == expected
    assert {r.type for r in by_face} >= {"slipway:index:Microservice",
                                         "kubernetes:apps/v1:Deployment"}


def test_face_error_names_the_input_the_caller_wrote() -> None:
    bad: face.MicroserviceInputs = {**FULL_INPUTS, "min_replicas": 12}
    with pytest.raises(SpecError) as raised:
        face.microservice_args("checkout", bad)
    lines = raised.value.problems
    assert lines and all(line.startswith("slipway:index:Microservice checkout: ")
                         for line in lines), lines
    assert "slipway:index:Microservice checkout: minReplicas: must be <= maxReplicas (got 12 > 9)" \
        in lines, lines


def test_face_refuses_an_input_it_does_not_have() -> None:
    bad: dict[str, Any] = {**FULL_INPUTS, "replicas": 3}
    with pytest.raises(SpecError, match=r"checkout: replicas: not an input of Microservice"):
        face.microservice_args("checkout", bad)  # type: ignore[arg-type]


def test_namespace_face_registers_what_the_python_call_registers() -> None:
    from slipway import ServiceNamespace, ServiceNamespaceArgs  # noqa: PLC0415

    by_face = run_under_mocks(lambda: face.ServiceNamespace(
        "apps", {"name": "apps", "environment": "dev"}))
    by_python = run_under_mocks(lambda: ServiceNamespace(
        "apps", ServiceNamespaceArgs(name="apps", environment="dev")))
    assert sorted((r.type, r.name, str(r.inputs)) for r in by_face) == sorted(
        (r.type, r.name, str(r.inputs)) for r in by_python)
