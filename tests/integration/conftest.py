"""Integration fixtures: a throwaway copy of the project on its own local backend.

These tests drive the real Pulumi engine through the Automation API. They need the toolchain
on PATH (`make test` sources toolchain/env.sh); without it they fail with that instruction
rather than skip, so CI can never pass without having run them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi import automation as auto

from engine_project import Project, copy_project, require_toolchain
from published_package import (
    BuiltPackage,
    TeamProject,
    build,
    install_example,
    install_yaml_example,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    return copy_project(tmp_path, monkeypatch)


@pytest.fixture(scope="session")
def built_package(tmp_path_factory: pytest.TempPathFactory) -> BuiltPackage:
    """slipway-components' wheel and sdist, built once per test session."""
    return build(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def team_service(built_package: BuiltPackage,
                 tmp_path_factory: pytest.TempPathFactory) -> TeamProject:
    """examples/team-service with the wheel installed in its own venv, stack not yet up."""
    require_toolchain()
    return install_example("team-service", built_package, tmp_path_factory.mktemp("team"))


@pytest.fixture(scope="session")
def team_up(team_service: TeamProject) -> auto.UpResult:
    """The first `up` of examples/team-service (the YAML example is compared against it)."""
    return team_service.up()


@pytest.fixture(scope="session")
def yaml_service(built_package: BuiltPackage,
                 tmp_path_factory: pytest.TempPathFactory) -> TeamProject:
    """examples/yaml-service with the component plugin's venv holding the wheel."""
    require_toolchain()
    return install_yaml_example(built_package, tmp_path_factory.mktemp("yaml"))


@pytest.fixture(scope="session")
def yaml_up(yaml_service: TeamProject) -> auto.UpResult:
    """The first `up` of examples/yaml-service: the tests that read its stack need it, in
    whatever order (or worker) they run."""
    return yaml_service.up()
