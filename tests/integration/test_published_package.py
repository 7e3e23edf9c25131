"""slipway-components as published: what the wheel and sdist hold, and a service team's own
program (examples/team-service) running on the installed wheel with the real engine."""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from published_package import ROOT, BuiltPackage, TeamProject
from slipway import __version__

SOURCE = ROOT / "components" / "slipway"


def wheel_names(package: BuiltPackage) -> list[str]:
    with zipfile.ZipFile(package.wheel) as wheel:
        return wheel.namelist()


def wheel_metadata(package: BuiltPackage) -> Any:
    with zipfile.ZipFile(package.wheel) as wheel:
        name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(wheel.read(name).decode())


# -- the distribution ---------------------------------------------------------------------------

def test_wheel_is_named_and_versioned_from_the_version_module(built_package: BuiltPackage) -> None:
    metadata = wheel_metadata(built_package)
    assert metadata["Name"] == "slipway-components"
    assert metadata["Version"] == __version__
    assert built_package.wheel.name == f"slipway_components-{__version__}-py3-none-any.whl"
    assert built_package.sdist.name == f"slipway_components-{__version__}.tar.gz"


def test_wheel_holds_every_module_the_crds_and_py_typed_and_no_tests(
        built_package: BuiltPackage) -> None:
    names = wheel_names(built_package)
    modules = {n for n in names if n.endswith(".py")}
    source_modules = {f"slipway/{p.relative_to(SOURCE)}" for p in SOURCE.rglob("*.py")}
    assert modules == source_modules
    assert "slipway/py.typed" in names
    crds = sorted(p.name for p in (SOURCE / "platform" / "crds" / "gateway-api").glob("*.yaml"))
    assert len(crds) == 5
    for crd in crds:
        assert f"slipway/platform/crds/gateway-api/{crd}" in names
    assert not [n for n in names if "test" in n.split("/")[0] or "/tests/" in n
                or "conftest" in n or "__pycache__" in n]
    assert {n.split("/")[0] for n in names} == {"slipway", f"slipway_components-{__version__}"
                                                ".dist-info"}


def test_wheel_requires_only_the_core_pins_and_offers_the_platform_extra(
        built_package: BuiltPackage) -> None:
    requires = wheel_metadata(built_package).get_all("Requires-Dist")
    core = sorted(r for r in requires if "extra ==" not in r)
    assert core == ["pulumi-kubernetes==4.25.0", "pulumi==3.259.0", "pydantic==2.14.3",
                    "pyyaml==6.0.3"]
    platform = sorted(r.split(";")[0].strip() for r in requires if "extra == \"platform\"" in r)
    assert platform == ["pulumi-aws==7.51.1", "rich==15.0.0", "typer==0.29.1"]


def test_sdist_holds_the_package_sources_not_the_rest_of_the_repository(
        built_package: BuiltPackage) -> None:
    with tarfile.open(built_package.sdist) as sdist:
        names = [n.split("/", 1)[1] for n in sdist.getnames() if "/" in n]
    assert "components/slipway/microservice.py" in names
    assert "components/README.md" in names
    assert "components/CHANGELOG.md" in names
    assert "pyproject.toml" in names
    top = {n.split("/")[0] for n in names}
    assert top <= {"components", "pyproject.toml", "README.md", "MANIFEST.in", "PKG-INFO",
                   "setup.cfg"}, top


# -- a service team's program on the installed wheel ---------------------------------------------

def rendered(team: TeamProject) -> dict[tuple[str, str], dict[str, Any]]:
    """Rendered objects by (kind, name)."""
    objects = {}
    for path in sorted((team.path / "out" / "dev").rglob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                objects[(document["kind"], document["metadata"]["name"])] = document
    return objects


def test_team_program_imports_slipway_from_its_own_venv(team_service: TeamProject) -> None:
    where = team_service.run_python(
        "import slipway; print(slipway.__file__); print(slipway.__version__)").split()
    assert Path(where[0]).is_relative_to(team_service.path / "venv"), where
    assert where[1] == __version__


def test_team_program_renders_a_hardened_workload_from_the_wheel(
        team_service: TeamProject, team_up: auto.UpResult) -> None:
    assert team_up.summary.result == "succeeded"
    objects = rendered(team_service)
    assert {kind for kind, _ in objects} >= {
        "Namespace", "NetworkPolicy", "ServiceAccount", "ConfigMap", "Deployment", "Service",
        "HorizontalPodAutoscaler", "PodDisruptionBudget", "HTTPRoute", "ServiceMonitor",
        "PrometheusRule"}
    deployment = objects[("Deployment", "checkout")]
    assert deployment["metadata"]["namespace"] == "payments-dev"
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["image"].startswith("registry.example.com/payments/checkout@sha256:")
    assert container["resources"]["requests"] == {"cpu": "250m", "memory": "256Mi"}
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert pod["securityContext"]["runAsNonRoot"] is True
    hpa = objects[("HorizontalPodAutoscaler", "checkout")]
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 6)
    route = objects[("HTTPRoute", "checkout")]
    assert route["spec"]["hostnames"] == ["checkout.example.com"]
    namespace = objects[("Namespace", "payments-dev")]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_team_program_outputs_come_from_the_component(
        team_service: TeamProject, team_up: auto.UpResult) -> None:
    outputs = {key: value.value for key, value in team_up.outputs.items()}
    assert outputs["deployment"] == "checkout"
    assert outputs["version"] == "2.4.0"
    assert outputs["url"] == "http://checkout.payments-dev.svc.cluster.local"


def test_team_program_children_are_parented_to_the_published_component_type(
        team_service: TeamProject, team_up: auto.UpResult) -> None:
    resources = team_service.resources()
    by_urn = {r["urn"]: r for r in resources}
    component = next(r for r in resources if r["type"] == "slipway:index:Microservice")
    children = [r for r in resources if r.get("parent") == component["urn"]]
    assert {r["type"] for r in children} >= {"kubernetes:apps/v1:Deployment",
                                             "kubernetes:core/v1:Service"}
    assert all(by_urn[r["parent"]]["type"] != "pulumi:pulumi:Stack" for r in children)


def test_team_program_second_up_changes_nothing(
        team_service: TeamProject, team_up: auto.UpResult) -> None:
    again = team_service.up()
    changes = {op: n for op, n in (again.summary.resource_changes or {}).items() if op != "same"}
    assert changes == {}


def test_slipway_command_without_the_platform_extra_says_how_to_get_it(
        team_service: TeamProject) -> None:
    done = subprocess.run([str(team_service.path / "venv" / "bin" / "slipway"), "--help"],
                          check=False, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "slipway: the command needs the platform extra (module 'typer' is not installed); "
        f"install it with: pip install 'slipway-components[platform]=={__version__}'")
