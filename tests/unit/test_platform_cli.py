"""`slipway capacity`: the capacity table for a stack, without the engine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from slipway.cli import app

ROOT = Path(__file__).resolve().parents[2]


def project(tmp_path: Path, **aws_changes: object) -> Path:
    shutil.copytree(ROOT / "services", tmp_path / "services")
    document = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    document["config"]["slipway:aws"].update(aws_changes)
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump(document))
    shutil.copy2(ROOT / "Pulumi.dev.yaml", tmp_path / "Pulumi.dev.yaml")
    return tmp_path


def test_capacity_of_the_prod_stack_fits(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["capacity", "--stack", "prod", "--json",
                                      "--project-dir", str(project(tmp_path))])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    # 50 + 8 + 15 + 12 + 4 + 38 pods at prod's max replicas plus 25% surge (rounded up)
    assert document["needed"] == {"cpu": "42.300", "memoryGiB": "49.00", "pods": 127}
    # two groups of 6 x 2xlarge (8 vCPU: 7.710 cores allocatable each)
    assert document["available"]["cpu"] == "92.520"
    assert document["fits"] is True


def test_capacity_exits_1_with_the_table_when_it_does_not_fit(tmp_path: Path) -> None:
    groups = [{"name": "small", "instanceType": "m6i.large", "minSize": 1, "maxSize": 2,
               "desiredSize": 1}]
    result = CliRunner().invoke(app, ["capacity", "--stack", "prod", "--project-dir",
                                      str(project(tmp_path, nodeGroups=groups))])
    assert result.exit_code == 1
    assert "small (m6i.large)" in result.stdout
    assert "CPU: the catalog needs 42.300 cores at max replicas plus surge, the node groups " \
        "give 3.460" in result.output


def test_capacity_needs_aws_settings(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["capacity", "--stack", "dev", "--project-dir",
                                      str(project(tmp_path))])
    assert result.exit_code == 1
    assert "Pulumi.dev.yaml: slipway:aws: not set" in result.output
