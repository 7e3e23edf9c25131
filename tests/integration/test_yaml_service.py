"""examples/yaml-service: a Pulumi YAML program creates Slipway's components through the
multi-language face (components/plugin, run by the Python language host), with the real
engine, and renders the same objects as the Python program with the same inputs."""

from __future__ import annotations

import json
import subprocess

from pulumi import automation as auto

from published_package import TeamProject


def rendered_files(team: TeamProject) -> dict[str, str]:
    return {str(p.relative_to(team.out)): p.read_text() for p in sorted(team.out.rglob("*.yaml"))}


def test_yaml_program_renders_the_same_manifests_as_the_python_program(
        yaml_service: TeamProject, team_service: TeamProject, team_up: auto.UpResult) -> None:
    result = yaml_service.up()
    assert result.summary.result == "succeeded"
    from_yaml = rendered_files(yaml_service)
    from_python = rendered_files(team_service)
    assert len(from_yaml) >= 12
    assert from_yaml == from_python


def test_yaml_program_gets_the_component_outputs(yaml_service: TeamProject) -> None:
    outputs = {key: value.value for key, value in yaml_service.stack().outputs().items()}
    assert outputs == {"deployment": "checkout", "version": "2.4.0",
                       "url": "http://checkout.payments-dev.svc.cluster.local"}


def test_yaml_program_registers_the_same_resource_tree_as_python(
        yaml_service: TeamProject, team_service: TeamProject, team_up: auto.UpResult) -> None:
    def tree(team: TeamProject) -> set[tuple[str, str, str]]:
        """(type, name, parent type) of every component and Kubernetes object."""
        resources = team.resources()
        types = {r["urn"]: r["type"] for r in resources}
        return {(r["type"], r["urn"].rsplit("::", 1)[1], types.get(r.get("parent", ""), ""))
                for r in resources
                if r["type"].startswith(("slipway:", "kubernetes:")) and r.get("custom", True)
                or r["type"].startswith("slipway:")}

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
                          capture_output=True, text=True, env={**__import__("os").environ,
                                                               **yaml_service.env()})
    schema = json.loads(done.stdout)
    committed = json.loads((plugin / "schema.json").read_text())
    assert schema["resources"] == committed["resources"]
