"""Reading a stack's history: release messages, per-update checkpoints, git metadata."""

from __future__ import annotations

import gzip
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from pulumi import automation as auto

from slipway.tooling.history import (
    GitCommits,
    Release,
    ServiceVersion,
    SourceCommit,
    build_updates,
    checkpoint_outputs,
    parse_release,
    source_commits,
)

IMAGE = "registry.example.com/shop/orders@sha256:" + "a" * 64


def test_release_messages_parse() -> None:
    assert parse_release("slipway release step orders 1.9.0 weight=25") == Release(
        "step", "orders", "1.9.0", 25)
    assert parse_release("slipway release rollback payments 2.0.0-rc.1") == Release(
        "rollback", "payments", "2.0.0-rc.1")
    for other in ("slipway up", "slipway release dance orders 1.0.0", "release orders 1.0",
                  "slipway release start orders"):
        assert parse_release(other) is None


def write_entry(folder: Path, stamp: int, start: int, message: str, version: str, *,
                compress: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    history = {"kind": "update", "startTime": start, "message": message}
    checkpoint = {"version": 3, "checkpoint": {"latest": {"resources": [
        {"type": "pulumi:providers:kubernetes", "outputs": {}},
        {"type": "pulumi:pulumi:Stack", "outputs": {"services": {
            "orders": {"version": version, "image": IMAGE, "url": "http://orders"}}}},
    ]}}}
    suffix = ".gz" if compress else ""
    for name, body in ((f"dev-{stamp}.history.json{suffix}", history),
                       (f"dev-{stamp}.checkpoint.json{suffix}", checkpoint)):
        raw = json.dumps(body).encode()
        (folder / name).write_bytes(gzip.compress(raw) if compress else raw)


def test_checkpoints_of_the_file_backend_give_outputs_per_update(tmp_path: Path) -> None:
    folder = tmp_path / ".pulumi" / "history" / "slipway" / "dev"
    write_entry(folder, 1795467122438214371, 1795467118, "slipway up", "1.0.0")
    write_entry(folder, 1795467222438214371, 1795467218, "slipway release promote orders 1.1.0",
                "1.1.0", compress=True)
    (folder / "dev-1795467322438214371.history.json").write_text("{}")  # no checkpoint: skipped
    assert checkpoint_outputs(f"file://{tmp_path}", "slipway", "organization/slipway/dev") == {
        (1795467118, "slipway up"): {"orders": ServiceVersion("1.0.0", IMAGE)},
        (1795467218, "slipway release promote orders 1.1.0"): {
            "orders": ServiceVersion("1.1.0", IMAGE)},
    }
    assert checkpoint_outputs("https://api.pulumi.com", "slipway", "dev") == {}
    assert checkpoint_outputs(f"file://{tmp_path}/nowhere", "slipway", "dev") == {}


def git(repo: Path, *args: str, date: str = "2026-11-01T09:00:00Z") -> str:
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "HOME": str(repo),
           "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["git", "-C", str(repo), "-c", "user.name=Ada Lovelace",
                           "-c", "user.email=ada@example.com", *args],
                          capture_output=True, text=True, check=True, env=env)
    return done.stdout.strip()


def test_updates_carry_author_commit_time_and_subject(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "orders: 1.1.0\n\nbody")
    sha = git(tmp_path, "rev-parse", "HEAD")
    start = datetime(2026, 11, 1, 10, 0, 0)  # the Automation API's naive UTC
    summaries = [
        auto.UpdateSummary(kind="update", start_time=start, message="slipway up",
                           environment={"git.head": sha, "git.author": "Ada Lovelace",
                                        "git.author.email": "ada@example.com"},
                           config={}, result="succeeded", end_time=start),
        auto.UpdateSummary(kind="update", start_time=start, message="outside git",
                           environment={"exec.kind": "auto.local"}, config={},
                           result="failed"),
    ]
    outputs = {(int(start.replace(tzinfo=UTC).timestamp()), "slipway up"): {
        "orders": ServiceVersion("1.1.0", IMAGE)}}
    # Newest first, without versions: what the local backend gives.
    first, second = build_updates(summaries, outputs, GitCommits(tmp_path))
    assert (first.version, first.author, first.commit, first.services) == (
        1, None, None, None)
    assert first.end is None and first.finished == start.replace(tzinfo=UTC)
    assert second.author == "Ada Lovelace <ada@example.com>"
    assert second.commit == sha
    assert second.commit_time == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert second.commit_message == "orders: 1.1.0"
    assert second.services == {"orders": ServiceVersion("1.1.0", IMAGE)}


def test_unknown_commits_and_no_repository_give_nothing(tmp_path: Path) -> None:
    assert GitCommits(tmp_path).lookup("0" * 40) is None


def test_service_files_name_the_image_source_commit(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "orders: fix", date="2026-11-02T08:00:00Z")
    sha = git(tmp_path, "rev-parse", "HEAD")
    services = tmp_path / "services"
    services.mkdir()
    (services / "orders.yaml").write_text(f"name: orders\nversion: 1.9.0\ncommit: {sha[:12]}\n")
    (services / "payments.yaml").write_text("name: payments\nversion: 2.0.0\ncommit: abcdef1\n")
    (services / "search.yaml").write_text("name: search\nversion: 0.1.0\n")
    (services / "broken.yaml").write_text("name: [unclosed\n")
    assert source_commits(services, GitCommits(tmp_path)) == {
        ("orders", "1.9.0"): SourceCommit(sha[:12], datetime(2026, 11, 2, 8, 0, tzinfo=UTC)),
        ("payments", "2.0.0"): SourceCommit("abcdef1", None),
    }
    assert source_commits(tmp_path / "nowhere", GitCommits(tmp_path)) == {}


def test_deliver_messages_carry_their_commit() -> None:
    assert parse_release("slipway release step orders 1.9.0 weight=25 commit=abcdef1") == \
        Release("step", "orders", "1.9.0", 25, "abcdef1")
    assert parse_release("slipway release supersede orders 1.9.0") == Release(
        "supersede", "orders", "1.9.0")


def test_the_commit_named_by_deliver_wins_over_the_checkout_head(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "-c", "user.name=Grace Hopper", "-c", "user.email=grace@example.com",
        "commit", "-q", "--allow-empty", "-m", "orders: 1.2.0")
    bump = git(tmp_path, "rev-parse", "HEAD")
    git(tmp_path, "commit", "-q", "--allow-empty", "-m", "merge")
    head = git(tmp_path, "rev-parse", "HEAD")
    start = datetime(2026, 11, 1, 10, 0, 0)
    summaries = [auto.UpdateSummary(
        kind="update", start_time=start, end_time=start, result="succeeded", config={},
        message=f"slipway release promote orders 1.2.0 commit={bump}",
        environment={"git.head": head, "git.author": "Ada Lovelace",
                     "git.author.email": "ada@example.com"})]
    [entry] = build_updates(summaries, {}, GitCommits(tmp_path))
    assert entry.commit == bump
    assert entry.author == "Grace Hopper <grace@example.com>"
    assert entry.commit_message == "orders: 1.2.0"
