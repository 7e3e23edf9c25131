"""examples/yaml-service: a Pulumi YAML program creates Slipway's components through the
multi-language face (components/plugin, run by the Python language host), with the real
engine, and renders the same objects as the Python program with the same inputs."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from pulumi import automation as auto

from published_package import TeamProject
from slipway import __version__


def rendered_files(team: TeamProject) -> dict[str, str]:
    return {str(p.relative_to(team.out)): p.read_text() for p in sorted(team.out.rglob("*.yaml"))}


def test_yaml_program_renders_the_same_manifests_as_the_python_program(
        yaml_service: TeamProject, yaml_up: auto.UpResult, team_service: TeamProject,
        team_up: auto.UpResult) -> None:
    assert yaml_up.summary.result == "succeeded"
    from_yaml = rendered_files(yaml_service)
    from_python = rendered_files(team_service)
    assert len(from_yaml) >= 12
    assert from_yaml == from_python


def test_yaml_program_gets_the_component_outputs(yaml_service: TeamProject,
                                                 yaml_up: auto.UpResult) -> None:
    outputs = {key: value.value for key, value in yaml_service.stack().outputs().items()}
    assert outputs == {"deployment": "checkout", "version": "2.4.0",
                       "url": "http://checkout.payments-dev.svc.cluster.local"}


def test_yaml_program_registers_the_same_resource_tree_as_python(
        yaml_service: TeamProject, yaml_up: auto.UpResult, team_service: TeamProject,
        team_up: auto.UpResult) -> None:
    def tree(team: TeamProject) -> set[tuple[str, str, str]]:
        """(type, name, parent's type) of every resource but the stack and the providers."""
        resources = team.resources()
        types = {r["urn"]: r["type"] for r in resources}
        return {(r["type"], r["urn"].rsplit("::", 1)[1], types[r["parent"]])
                for r in resources
                if r["type"] != "pulumi:pulumi:Stack"
                and not r["type"].startswith("pulumi:providers:")}

    assert tree(yaml_service) == tree(team_service)


def test_yaml_program_with_a_bad_input_fails_naming_the_input(
        yaml_service: TeamProject) -> None:
    program = (yaml_service.path / "Pulumi.yaml").read_text()
    bad = yaml_service.path.parent / "yaml-service-bad"
    bad.mkdir()
    (bad / "Pulumi.yaml").write_text(program.replace("minReplicas: 2", "minReplicas: 9")
                                     .replace("name: yaml-service", "name: yaml-service-bad"))
    stack = auto.create_or_select_stack(
        "dev", work_dir=str(bad),
        opts=auto.LocalWorkspaceOptions(secrets_provider="passphrase",
                                        env_vars=yaml_service.env()))
    log: list[str] = []
    try:
        stack.preview(on_output=log.append, color="never")
    except auto.CommandError as err:
        message = str(err)
    else:
        raise AssertionError("a preview with minReplicas > maxReplicas succeeded")
    assert "slipway:index:Microservice checkout: minReplicas: must be <= maxReplicas " \
        "(got 9 > 6)" in message + "\n".join(log)


def test_package_schema_is_served_by_the_plugin(yaml_service: TeamProject) -> None:
    plugin = yaml_service.path.parent.parent / "components" / "plugin"
    done = subprocess.run(["pulumi", "package", "get-schema", str(plugin)], check=True,
                          capture_output=True, text=True, env={**os.environ, **yaml_service.env()})
    served = json.loads(done.stdout)
    committed = json.loads((plugin / "schema.json").read_text())
    assert served["name"] == "slipway"
    assert served["version"] == __version__
    assert shape(served) == shape(committed)


def shape(schema: dict[str, Any]) -> dict[str, Any]:
    """What a consumer relies on: each resource's inputs and outputs with type, plainness and
    description, and what is required (the engine drops nested descriptions, so not those)."""
    def props(properties: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
        return {name: (prop.get("type"), prop.get("plain"), prop.get("description"),
                       (prop.get("additionalProperties") or {}).get("type"))
                for name, prop in properties.items()}

    return {token: (props(resource["inputProperties"]), sorted(resource["requiredInputs"]),
                    props(resource["properties"]), sorted(resource["required"]))
            for token, resource in schema["resources"].items()}
