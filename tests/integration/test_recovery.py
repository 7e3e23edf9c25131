"""An update interrupted with operations pending (tooling/recovery.py), on the real engine,
for a stack that renders manifests into a directory: the next `slipway up` finds them (in the
file backend's state file, as `pulumi stack export` shows them), clears them, renders every
change again without refreshing (there is no cluster to refresh from) and says so. The
cluster case, where the update refreshes first, is tests/cluster/test_faults.py."""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml
from typer.testing import CliRunner

from engine_project import Project
from slipway.cli import app
from slipway.tooling import recovery, stack_cli


def slipway_up(project: Project) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(app, ["up", "--stack", "dev", "--json",
                                      "--project-dir", str(project.path)])
    lines = result.stdout.strip().splitlines()
    return result.exit_code, json.loads(lines[-1]) if lines else {}, result.stderr


def leave_pending(project: Project, kind: str, resource_name: str) -> None:
    """The state an update killed while changing one resource leaves: that operation pending
    on the resource as the state last recorded it, written into the file backend's state file
    as the engine writes it (`pulumi stack import` drops pending operations)."""
    path = project.backend / ".pulumi" / "stacks" / "slipway" / "dev.json"
    checkpoint = json.loads(path.read_text())
    latest = checkpoint["checkpoint"]["latest"]
    resource = next(r for r in latest["resources"]
                    if str(r["urn"]).endswith(f"::{resource_name}"))
    latest["pending_operations"] = [{"resource": copy.deepcopy(resource), "type": kind}]
    path.write_text(json.dumps(checkpoint))


def test_an_interrupted_rendering_update_is_cleared_and_its_change_applied_again(
        project: Project) -> None:
    code, first, err = slipway_up(project)
    assert code == 0, err[-3000:]
    created = first["changes"]["create"]
    stack = project.stack()
    # The update that died was applying a config change: the ConfigMap's file half written.
    inventory = project.services / "inventory.yaml"
    inventory.write_text(inventory.read_text().replace("CACHE_TTL_SECONDS: 30",
                                                       "CACHE_TTL_SECONDS: 45"))
    leave_pending(project, "updating", "inventory-config")
    manifest = project.out / "1-manifest" / "v1-configmap-slipway-dev-inventory-config.yaml"
    manifest.write_text(manifest.read_text()[:40])
    state_file = recovery.state_file(project.backend, "slipway", "dev")
    assert state_file is not None
    exported = stack_cli.run_json(stack, "stack", "export")["deployment"]["pending_operations"]
    assert len(exported) == 1
    assert recovery.pending_in_state_file(state_file) == exported
    assert recovery.pending_operations(stack) == exported

    code, second, err = slipway_up(project)
    assert code == 0, err[-3000:]
    assert ("the last update of dev was interrupted with 1 operation(s) pending "
            "(updating inventory-config); cleared them and this update applies what they "
            "were changing again") in err
    assert "refreshing" not in err
    assert recovery.pending_operations(stack) == []
    assert "pending_operations" not in stack_cli.run_json(stack, "stack", "export")["deployment"]
    assert second["changes"].get("update", 0) >= 1
    assert sum(second["changes"].values()) == created
    assert yaml.safe_load(manifest.read_text())["data"]["CACHE_TTL_SECONDS"] == "45"

    code, third, err = slipway_up(project)
    assert code == 0 and third["changes"] == {"same": created}, err[-2000:]
    assert "interrupted" not in err
