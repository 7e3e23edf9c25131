"""The `slipway` tool, in-process through typer's runner, driving the real engine."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from engine_project import Project
from slipway.cli import app


def run(project: Project, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--project-dir", str(project.path)])
    return result.exit_code, result.stdout, result.stderr


def parsed(stdout: str) -> dict[str, Any]:
    return dict(json.loads(stdout.strip().splitlines()[-1]))


def test_up_preview_destroy_report_what_they_did(project: Project) -> None:
    code, out, _ = run(project, "up", "--stack", "dev", "--json")
    assert code == 0
    up = parsed(out)
    assert up["renderDir"] == "out/dev"
    assert up["manifests"] == len(project.manifests()) > 30
    assert up["services"] == sorted(p.stem for p in project.services.glob("*.yaml"))
    created = up["changes"]["create"]

    code, out, _ = run(project, "preview", "--stack", "dev", "--json")
    assert code == 0
    assert parsed(out)["changes"] == {"same": created}

    code, out, _ = run(project, "destroy", "--stack", "dev", "--json")
    assert code == 0
    assert parsed(out)["changes"] == {"delete": created}
    assert project.manifests() == {}


def test_human_summary_is_one_line_naming_the_manifests(project: Project) -> None:
    code, _, err = run(project, "up", "--stack", "dev")
    assert code == 0
    last = err.strip().splitlines()[-1]
    assert last.startswith("dev: up ") and "create" in last
    assert f"{len(project.manifests())} manifests in out/dev/" in last


def test_a_bad_catalog_exits_non_zero_with_the_file_and_field(project: Project) -> None:
    orders = project.services / "orders.yaml"
    orders.write_text(orders.read_text().replace("port: 8080", "port: 80"))
    code, _, err = run(project, "up", "--stack", "dev", "--json")
    assert code == 1
    assert "services/orders.yaml: port: must be from 1024 to 65535 (got 80)" in err
