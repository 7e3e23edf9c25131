"""`slipway catalog` and `slipway dora` on a stack with a scripted history, real engine.

The release tool lives in another module; here its updates are made the way it makes them:
ordinary `up`s through the Automation API carrying `slipway release <action> <service>
<version>` messages, with the spec changed when a version goes live. The project copy is a
git repository, so Pulumi records each update's commit and author.
"""

from __future__ import annotations

import json
import statistics
import subprocess
from datetime import UTC, datetime
from typing import Any

from typer.testing import CliRunner

from engine_project import Project
from slipway.cli import app
from slipway.tooling import progress

ADA = ("Ada Lovelace", "ada@example.com")
GRACE = ("Grace Hopper", "grace@example.com")
NEW_ORDERS = "registry.example.com/shop/orders@sha256:" + "1" * 64
NEW_INVENTORY = "registry.example.com/shop/inventory@sha256:" + "2" * 64


def commit(project: Project, message: str, date: str, who: tuple[str, str] = ADA) -> str:
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "HOME": str(project.path),
           "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"}
    identity = ["-c", f"user.name={who[0]}", "-c", f"user.email={who[1]}"]
    for args in (["add", "-A"], ["commit", "-q", "--allow-empty", "-m", message]):
        subprocess.run(["git", "-C", str(project.path), *identity, *args], check=True, env=env,
                       capture_output=True)
    return subprocess.run(["git", "-C", str(project.path), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()


def set_spec(project: Project, service: str, old: dict[str, str],
             new: dict[str, str]) -> None:
    path = project.services / f"{service}.yaml"
    text = path.read_text()
    for key, value in old.items():
        assert f"{key}: {value}\n" in text
        text = text.replace(f"{key}: {value}\n", f"{key}: {new[key]}\n")
    path.write_text(text)


def up(project: Project, message: str) -> None:
    """An update at the files' versions (no release steps: the history is what is scripted)."""
    stack = project.stack("dev")
    progress.hand_off(stack, progress.Recorded())
    stack.up(message=message, color="never", on_output=project.log.append)


def run(project: Project, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, [*args, "--stack", "dev", "--json",
                                      "--project-dir", str(project.path)])
    assert result.exit_code == 0, result.stderr
    return dict(json.loads(result.stdout))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_catalog_and_dora_on_a_scripted_history(project: Project) -> None:
    subprocess.run(["git", "init", "-q", str(project.path)], check=True)
    (project.path / ".gitignore").write_text("out/\n.venv\n")
    base = commit(project, "catalog: six services", "2026-11-20T09:00:00Z")
    up(project, "slipway up")                                                   # 1

    orders = commit(project, "orders: 1.9.0", "2026-11-21T09:00:00Z")
    up(project, "slipway release start orders 1.9.0")                          # 2
    set_spec(project, "orders",
             {"version": "1.8.3", "image": "registry.example.com/shop/orders@sha256:"
              "b6ad23723db81c25fd3b3b90efbc9348b079118295d5c322cf1ad25841df878b"},
             {"version": "1.9.0", "image": NEW_ORDERS})
    up(project, "slipway release promote orders 1.9.0")                        # 3

    payments = commit(project, "payments: 3.2.0", "2026-11-22T09:00:00Z")
    up(project, "slipway release start payments 3.2.0")                        # 4
    up(project, "slipway release rollback payments 3.2.0")                     # 5

    # The service file names the image's source commit: lead time counts from it.
    source = commit(project, "inventory: round stock levels", "2026-11-22T12:00:00Z", GRACE)
    set_spec(project, "inventory",
             {"version": "0.9.12", "image": "registry.example.com/shop/inventory@sha256:"
              "13d007db3e0303a5e445a14b99d6ab95f3ffd0cdf35c252e8d3f8faeac55ecb9"},
             {"version": f"0.9.13\ncommit: {source[:12]}", "image": NEW_INVENTORY})
    inventory = commit(project, "inventory: 0.9.13", "2026-11-23T08:00:00Z", GRACE)
    up(project, "slipway up")                                                  # 6

    # Newest first; the local backend does not number them.
    newest_first = project.stack("dev").history()
    history = {len(newest_first) - i: u for i, u in enumerate(newest_first)}
    assert [history[v].message for v in sorted(history)] == [
        "slipway up", "slipway release start orders 1.9.0",
        "slipway release promote orders 1.9.0", "slipway release start payments 3.2.0",
        "slipway release rollback payments 3.2.0", "slipway up"]

    def ended(version: int) -> datetime:
        end = history[version].end_time
        assert end is not None
        return end.replace(tzinfo=UTC)

    def started(version: int) -> datetime:
        return history[version].start_time.replace(tzinfo=UTC)

    # --- catalog -------------------------------------------------------------------------
    listed = run(project, "catalog")
    services = {entry["service"]: entry for entry in listed["services"]}
    assert sorted(services) == sorted(p.stem for p in project.services.glob("*.yaml"))
    assert services["orders"] == {
        "service": "orders", "version": "1.9.0", "image": NEW_ORDERS,
        "deployedAt": ended(3).isoformat(), "deployedBy": "Ada Lovelace <ada@example.com>",
        "update": 3, "updateMessage": "slipway release promote orders 1.9.0",
        "commit": orders, "commitMessage": "orders: 1.9.0",
        "sourceCommit": "9b1d0c6a2e44",  # the service file's, not in this repository
    }
    # The canary of payments 3.2.0 was rolled back: 3.1.0 has run since the first up.
    assert services["payments"]["version"] == "3.1.0"
    assert services["payments"]["update"] == 1
    assert services["payments"]["commit"] == base
    assert services["inventory"] == {
        "service": "inventory", "version": "0.9.13", "image": NEW_INVENTORY,
        "deployedAt": ended(6).isoformat(), "deployedBy": "Grace Hopper <grace@example.com>",
        "update": 6, "updateMessage": "slipway up",
        "commit": inventory, "commitMessage": "inventory: 0.9.13",
        "sourceCommit": source[:12],
    }
    for name in ("storefront", "recommendations", "fulfillment-worker"):
        assert (services[name]["update"], services[name]["commitMessage"]) == (
            1, "catalog: six services")

    # --- dora ----------------------------------------------------------------------------
    measured = run(project, "dora", "--since", "30d")
    assert measured["days"] == 30
    # 6 services on the first up, orders 1.9.0 promoted, inventory 0.9.13 by a spec change.
    assert measured["deploymentFrequency"] == {"deployments": 8, "perDay": round(8 / 30, 4)}
    lead = [ended(1) - at("2026-11-20T09:00:00Z")] * 6 + [
        ended(3) - at("2026-11-21T09:00:00Z"), ended(6) - at("2026-11-22T12:00:00Z")]
    assert measured["leadTimeForChanges"]["seconds"] == [
        round(v.total_seconds(), 3) for v in lead]
    assert measured["leadTimeForChanges"]["medianSeconds"] == round(
        statistics.median(v.total_seconds() for v in lead), 3)
    # Nine changes finished (8 deployed, the payments canary rolled back): one failed.
    assert measured["changeFailureRate"] == {"failed": 1, "finished": 9,
                                             "rate": round(1 / 9, 4)}
    restore = ended(5) - started(4)
    assert measured["timeToRestore"] == {"medianSeconds": round(restore.total_seconds(), 3),
                                         "seconds": [round(restore.total_seconds(), 3)],
                                         "unrestored": 0}
    assert measured["failures"] == [{
        "service": "payments", "version": "3.2.0",
        "startedBy": "slipway release start payments 3.2.0",
        "failedBy": "slipway release rollback payments 3.2.0",
        "restoredBy": "slipway release rollback payments 3.2.0"}]
    assert history[4].environment["git.head"] == payments


def test_human_tables_name_each_service_and_measure(project: Project) -> None:
    up(project, "slipway up")
    wide = {"COLUMNS": "200"}  # rich sizes tables to the terminal
    catalog = CliRunner().invoke(app, ["catalog", "--stack", "dev",
                                       "--project-dir", str(project.path)], env=wide)
    assert catalog.exit_code == 0, catalog.stderr
    assert "Services on dev" in catalog.stdout
    assert "orders" in catalog.stdout and "1.8.3" in catalog.stdout
    assert "sha256:b6ad23723db" in catalog.stdout
    dora = CliRunner().invoke(app, ["dora", "--stack", "dev", "--since", "2w",
                                    "--project-dir", str(project.path)], env=wide)
    assert dora.exit_code == 0, dora.stderr
    for line in ("deployment frequency", "0.43/day", "6 deployments in 14 days",
                 "change failure rate", "0 failed of 6 changes"):
        assert line in dora.stdout


def test_missing_stack_and_bad_period_exit_non_zero(project: Project) -> None:
    missing = CliRunner().invoke(app, ["catalog", "--stack", "nowhere",
                                       "--project-dir", str(project.path)])
    assert missing.exit_code == 1
    assert "slipway: cannot read stack 'nowhere'" in missing.stderr
    bad = CliRunner().invoke(app, ["dora", "--stack", "dev", "--since", "a month",
                                   "--project-dir", str(project.path)])
    assert bad.exit_code == 2
    assert "--since must be a number and a unit m, h, d or w" in bad.stderr
