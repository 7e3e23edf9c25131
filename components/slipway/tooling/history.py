"""A stack's update history as plain records: who deployed what, from which commit, when.

Sources, in order of trust:
- `pulumi stack history` through the Automation API (`Stack.history()`): each update's kind,
  result, message, start and end time, and the environment the CLI records. In a git checkout
  that includes `git.head` (the commit), `git.author` and `git.author.email`; Pulumi 3.259
  records neither the commit's message nor its time, so those come from `git show` in the
  project directory when the commit is there.
- The stack outputs after each update (`services.<name>.version/image`). Pulumi's history API
  does not carry them, but the local file backend keeps one checkpoint per update next to
  each history entry (`.pulumi/history/<project>/<stack>/<stack>-<ns>.checkpoint.json`); they
  are read when the backend is a `file://` one. With another backend `services` stays None and
  the catalog falls back to the release messages (`slipway release <action> <service>
  <version>`).
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import yaml
from pulumi import automation as auto

from ..stack import automation_config, read_settings

RELEASE = re.compile(
    r"^slipway release (?P<action>start|step|promote|rollback|flip|roll|supersede|verify|switch) "
    r"(?P<service>[a-z0-9-]+) (?P<version>\S+)(?: weight=(?P<weight>\d+))?"
    r"(?: commit=(?P<commit>[0-9a-f]{7,40}))?$")
RELEASE_ACTIONS = ("start", "step", "promote", "rollback", "flip", "roll", "supersede",
                   "verify", "switch")


@dataclass(frozen=True)
class ServiceVersion:
    """What a stack output says runs for one service."""

    version: str
    image: str


@dataclass(frozen=True)
class Release:
    """A parsed release message: `slipway release <action> <service> <version> [weight=<n>]`."""

    action: str
    service: str
    version: str
    weight: int | None = None
    commit: str | None = None
    """The commit `slipway deliver --commit` named for this step."""


@dataclass(frozen=True)
class Update:
    """One entry of a stack's history, with what git and the checkpoints add to it."""

    version: int
    kind: str
    """update, refresh, destroy, ... (previews are not recorded)."""
    result: str
    """succeeded, failed or in-progress."""
    message: str
    start: datetime
    end: datetime | None
    author: str | None = None
    """`Name <email>` from the update's git metadata; None outside a git checkout."""
    commit: str | None = None
    """The git HEAD the update ran from."""
    commit_time: datetime | None = None
    commit_message: str | None = None
    services: dict[str, ServiceVersion] | None = None
    """Stack outputs `services` after this update; None when the backend cannot tell."""

    @property
    def succeeded(self) -> bool:
        return self.result == "succeeded"

    @property
    def finished(self) -> datetime:
        return self.end or self.start

    @property
    def release(self) -> Release | None:
        return parse_release(self.message)


def parse_release(message: str) -> Release | None:
    match = RELEASE.match(message.strip())
    if match is None:
        return None
    weight = match.group("weight")
    return Release(action=match.group("action"), service=match.group("service"),
                   version=match.group("version"), weight=int(weight) if weight else None,
                   commit=match.group("commit"))


def services_from_outputs(outputs: dict[str, Any]) -> dict[str, ServiceVersion]:
    """`services.<name>.version/image` from stack outputs (plain values)."""
    services = outputs.get("services") or {}
    return {name: ServiceVersion(version=str(value.get("version", "")),
                                 image=str(value.get("image", "")))
            for name, value in sorted(services.items()) if isinstance(value, dict)}


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _author(environment: dict[str, str]) -> str | None:
    name = environment.get("git.author")
    email = environment.get("git.author.email")
    if name and email:
        return f"{name} <{email}>"
    return name or email or None


class GitCommits:
    """Commit time, subject and author of a sha, from the git repository around the project."""

    def __init__(self, project_dir: Path) -> None:
        self.project_dir = project_dir
        self._cache: dict[str, tuple[datetime, str, str] | None] = {}

    def lookup(self, sha: str) -> tuple[datetime, str] | None:
        """(commit time, subject), None when the repository does not have the commit."""
        found = self.details(sha)
        return (found[0], found[1]) if found else None

    def author(self, sha: str) -> str | None:
        """`Name <email>` of the commit's author."""
        found = self.details(sha)
        return found[2] if found else None

    def details(self, sha: str) -> tuple[datetime, str, str] | None:
        if sha not in self._cache:
            self._cache[sha] = self._show(sha)
        return self._cache[sha]

    def _show(self, sha: str) -> tuple[datetime, str, str] | None:
        try:
            shown = subprocess.run(
                ["git", "-C", str(self.project_dir), "show", "-s",
                 "--format=%ct%x00%an <%ae>%x00%s", sha],
                capture_output=True, text=True, check=False, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None  # no git, or not a repository: the catalog says "unknown"
        if shown.returncode != 0 or shown.stdout.count("\x00") < 2:
            return None
        seconds, author, subject = shown.stdout.strip().split("\x00", 2)
        return datetime.fromtimestamp(int(seconds), UTC), subject, author


def checkpoint_outputs(backend_url: str, project: str,
                       stack_name: str) -> dict[tuple[int, str], dict[str, ServiceVersion]]:
    """Stack outputs after each update, keyed by (start time in epoch seconds, message).

    Only the local file backend keeps per-update checkpoints readable here; for any other
    backend (or a missing folder) the answer is empty.
    """
    parsed = urlparse(backend_url)
    if parsed.scheme != "file":
        return {}
    root = Path(unquote(parsed.netloc + parsed.path)).expanduser() / ".pulumi" / "history"
    short = stack_name.rsplit("/", maxsplit=1)[-1]
    folders = [root / project / short, root / short]  # project-scoped layout, then legacy
    found: dict[tuple[int, str], dict[str, ServiceVersion]] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for entry in sorted(folder.glob(f"{short}-*.history.json*")):
            checkpoint = entry.with_name(entry.name.replace(".history.json", ".checkpoint.json"))
            if not checkpoint.exists():
                continue
            info = _read_json(entry)
            state = _read_json(checkpoint)
            resources = (state.get("checkpoint", {}).get("latest") or {}).get("resources") or []
            outputs = next((r.get("outputs") or {} for r in resources
                            if r.get("type") == "pulumi:pulumi:Stack"), {})
            found[(int(info.get("startTime", 0)), str(info.get("message", "")))] = \
                services_from_outputs(outputs)
        if found:
            break
    return found


def _read_json(path: Path) -> dict[str, Any]:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}


def build_updates(summaries: list[auto.UpdateSummary],
                  outputs: dict[tuple[int, str], dict[str, ServiceVersion]],
                  commits: GitCommits | None) -> list[Update]:
    """Plain update records, oldest first (`summaries` as `Stack.history()` gives them:
    newest first; the local backend leaves `version` out, so the position numbers them)."""
    numbered = [(summary.version or len(summaries) - index, summary)
                for index, summary in enumerate(summaries)]
    updates = []
    for version, summary in sorted(numbered, key=lambda pair: pair[0]):
        environment = dict(summary.environment or {})
        # `slipway deliver --commit` names the commit in the message (a CI checkout may be a
        # merge or a shallow clone); else the HEAD the engine recorded.
        named = parse_release(summary.message or "")
        sha = (named.commit if named is not None and named.commit else None) or \
            environment.get("git.head") or None
        known = commits.lookup(sha) if commits is not None and sha else None
        author = _author(environment)
        if named is not None and named.commit and commits is not None:
            author = commits.author(named.commit) or author
        start = _aware(summary.start_time)
        assert start is not None
        updates.append(Update(
            version=version,
            kind=summary.kind,
            result=summary.result,
            message=summary.message or "",
            start=start,
            end=_aware(summary.end_time),
            author=author,
            commit=sha,
            commit_time=known[0] if known else None,
            commit_message=known[1] if known else None,
            services=outputs.get((int(start.timestamp()), summary.message or "")),
        ))
    return updates


@dataclass(frozen=True)
class SourceCommit:
    """The image's source commit as the service file names it (`commit:`), and its time when
    the project's repository has it."""

    sha: str
    time: datetime | None


def source_commits(services_dir: Path,
                   commits: GitCommits) -> dict[tuple[str, str], SourceCommit]:
    """(service, version) -> source commit, from the service files as they are now.

    Read leniently (plain YAML, no validation): a broken file only loses its entry here;
    `slipway up` is where it is reported.
    """
    found: dict[tuple[str, str], SourceCommit] = {}
    for path in sorted(services_dir.glob("*.y*ml")) if services_dir.is_dir() else []:
        try:
            data = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError):
            continue
        if not isinstance(data, dict):
            continue
        name, version, sha = data.get("name"), data.get("version"), data.get("commit")
        if isinstance(name, str) and version is not None and isinstance(sha, str):
            known = commits.lookup(sha)
            found[(name, str(version))] = SourceCommit(sha, known[0] if known else None)
    return found


def catalog_dir(stack: auto.Stack, project_dir: Path) -> Path:
    """The service catalog directory of the stack (its `catalog` setting)."""
    settings = read_settings(automation_config(stack), f"Pulumi.{stack.name}.yaml")
    return project_dir / settings.catalog


def load(stack: auto.Stack, project_dir: Path) -> list[Update]:
    """The stack's history, oldest first, with git and checkpoint details where available."""
    workspace = stack.workspace
    backend = workspace.who_am_i().url or ""
    project = workspace.project_settings().name
    outputs = checkpoint_outputs(backend, project, stack.name)
    return build_updates(stack.history(), outputs, GitCommits(project_dir))


def current_services(stack: auto.Stack) -> dict[str, ServiceVersion]:
    return services_from_outputs({key: value.value for key, value in stack.outputs().items()})
