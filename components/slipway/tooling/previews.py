"""Pull-request review stacks (`pr-N`) and prod-guarded plans, through the Automation API.

A review stack's config is derived from a base stack's file (dev by default): its own
environment and namespace (`pr-N`), its own render directory (`out/pr-N`) when the base
renders, the smallest history, and `slipway:preview` (PR number, created, expires). The spec's
`environments.pr` overrides give every service its review-stack scale. Created and expires are
also stack tags, so `previews gc` can read them from the backend on a fresh checkout, where the
(gitignored) Pulumi.pr-N.yaml does not exist.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from ..release_state import ReleaseState
from ..stack import StackSettings, stack_file_settings
from ..stack.review import review_stack_config
from . import progress, recovery, stacks
from .plan import Plan, collect

PR_STACK = re.compile(r"^pr-([1-9][0-9]{0,6})$")
DEFAULT_TTL = timedelta(days=7)
TAG_PR, TAG_CREATED, TAG_EXPIRES = "slipway:pr", "slipway:created", "slipway:expires"


def stack_name(pr: int) -> str:
    if not 1 <= pr <= 9_999_999:
        raise ValueError(f"--pr must be a pull request number from 1 to 9999999 (got {pr})")
    return f"pr-{pr}"


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Lifetime:
    """When a review stack was created and when it expires."""

    created: datetime
    expires: datetime

    def expired(self, now: datetime, older_than: timedelta | None = None) -> bool:
        """Past its expiry, or (with older_than) created longer ago than that."""
        if self.expires <= now:
            return True
        return older_than is not None and self.created + older_than <= now

    @classmethod
    def from_tags(cls, tags: Mapping[str, str]) -> Lifetime | None:
        if TAG_CREATED not in tags or TAG_EXPIRES not in tags:
            return None
        try:
            return cls(parse_timestamp(tags[TAG_CREATED]), parse_timestamp(tags[TAG_EXPIRES]))
        except ValueError:
            return None


def derive_config(base: dict[str, Any], pr: int, lifetime: Lifetime) -> dict[str, Any]:
    """A review stack's config from the base stack's config (keys as in Pulumi.<stack>.yaml)."""
    return review_stack_config(base, pr, created=timestamp(lifetime.created),
                               expires=timestamp(lifetime.expires))


def stack_exists(project_dir: Path, name: str) -> bool:
    return any(s.name == name for s in stacks.workspace(project_dir).list_stacks())


def config_file(project_dir: Path, name: str) -> Path:
    return project_dir / f"Pulumi.{name}.yaml"


def read_stack_file(project_dir: Path, name: str) -> dict[str, Any]:
    """Pulumi.<name>.yaml as data ({} when missing). Read directly: the Automation API's
    StackSettings drops object-valued config such as slipway:kubernetes."""
    path = config_file(project_dir, name)
    if not path.exists():
        return {}
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict):
        raise ValueError(f"{path.name}: must be a mapping with a config key")
    return document


def stack_environment(project_dir: Path, name: str) -> str | None:
    """The stack's environment from its validated settings (Pulumi.<name>.yaml), read without
    the engine; None when the stack has no file (the engine then says what is missing)."""
    if not config_file(project_dir, name).is_file():
        return None
    return stack_file_settings(project_dir, name).environment


def stack_kube_context(settings: StackSettings) -> str | None:
    """The stack's `kubernetes.context` (None when rendering or on AWS)."""
    return settings.kubernetes.context if settings.kubernetes else None


def stack_kubeconfig(project_dir: Path, settings: StackSettings) -> Path:
    """The kubeconfig file the stack deploys with (`kubernetes.kubeconfig`, relative to the
    project, else $KUBECONFIG or ~/.kube/config)."""
    path = settings.kubernetes.kubeconfig if settings.kubernetes else None
    if path:
        return project_dir / path
    return Path(os.environ.get("KUBECONFIG", "~/.kube/config").split(":")[0]).expanduser()


def ensure_review_stack(project_dir: Path, pr: int, base: str = "dev",
                        ttl: timedelta | None = None,
                        now: datetime | None = None) -> auto.Stack:
    """Create or select `pr-N` and (re)write its config from the base stack.

    The lifetime is kept across runs (from the stack's tags) unless `ttl` is given, which
    restarts it from now.
    """
    name = stack_name(pr)
    if PR_STACK.match(base) or not config_file(project_dir, base).exists():
        raise ValueError(f"--base must name a committed stack of this project with a "
                         f"Pulumi.<stack>.yaml, e.g. dev (got {base!r})")
    now = now or datetime.now(UTC)
    base_config = dict(read_stack_file(project_dir, base).get("config") or {})
    stack = stacks.stack(name, project_dir)
    lifetime = Lifetime.from_tags(stack.list_tags())
    if lifetime is None or ttl is not None:
        lifetime = Lifetime(lifetime.created if lifetime else now, now + (ttl or DEFAULT_TTL))
    # Keep what the engine wrote (the secrets provider's salt); replace the config.
    document = read_stack_file(project_dir, name)
    document["config"] = derive_config(base_config, pr, lifetime)
    config_file(project_dir, name).write_text(
        "# Derived by `slipway preview --pr` from Pulumi." + base + ".yaml; rewritten on every "
        "run, never committed.\n" + yaml.safe_dump(document, sort_keys=False),
        encoding="utf-8")
    for tag, value in ((TAG_PR, str(pr)), (TAG_CREATED, timestamp(lifetime.created)),
                       (TAG_EXPIRES, timestamp(lifetime.expires))):
        stack.set_tag(tag, value)
    return stack


@dataclass(frozen=True)
class PolicyPack:
    """A CrossGuard pack directory and the config file that sets its enforcement levels."""

    path: Path
    config: Path

    def describe(self) -> str:
        return f"policy pack {self.path.name}/ with {self.config.name}"


def plan(name: str, project_dir: Path, policy: PolicyPack | None,
         on_output: Callable[[str], None] | None = None, *, plan_file: Path | None = None,
         refresh: bool = False, intent: Mapping[str, ReleaseState] | None = None) -> Plan:
    """Preview one stack, with the policy pack, and read what it would do from its events.

    With `plan_file`, the engine also saves its update plan there, for `plans.apply` to apply
    exactly what this preview checked. `intent`: a release step's state per service (see
    tooling/progress.hand_off), for a step checked before it is applied.

    An engine refusal (mandatory violation, program error) is part of the plan (`failed`),
    not an exception: the summary must still say why.
    """
    events: list[auto.EngineEvent] = []
    selected = stacks.stack(name, project_dir, take_ownership=refresh)
    failed = False
    engine_errors: list[str] = []
    try:
        # The program reconciles the recorded progress with the service files, except for
        # the services a release step pins. Without a step, the program reads the progress
        # itself while it imports (stack/own_outputs.py) instead of the tool reading it first.
        if intent is not None:
            progress.hand_off(selected, None, intent)
        stacks.for_preview(selected).preview(
            on_output=on_output, on_event=events.append, color="never", diff=True,
            plan=str(plan_file) if plan_file is not None else None,
            refresh=refresh or None,
            policy_packs=[str(policy.path)] if policy else None,
            policy_pack_configs=[str(policy.config)] if policy else None)
    except auto.errors.CommandError as err:
        failed = True
        # Failures before the engine emits events (backend, passphrase) are only in stderr.
        engine_errors = [line.strip() for line in str(err).splitlines()
                         if line.strip().startswith("error:")]
    result = collect(name, events, policy.describe() if policy else None, failed=failed)
    if failed and not result.errors and engine_errors:
        result = dataclasses.replace(result, errors=tuple(dict.fromkeys(engine_errors)))
    return result


def deploy(name: str, project_dir: Path, policy: PolicyPack | None,
           on_output: Callable[[str], None] | None = None,
           refresh: bool = False, *, selected: auto.Stack | None = None,
           recorded: progress.Recorded | None = None,
           recovering: Future[recovery.Recovery] | None = None) -> stacks.StackRun:
    return stacks.up(name, project_dir, on_output=on_output, refresh=refresh,
                     policy_packs=[str(policy.path)] if policy else None,
                     policy_pack_configs=[str(policy.config)] if policy else None,
                     selected=selected, recorded=recorded, recovering=recovering)


@dataclass(frozen=True)
class Removal:
    """What destroying one review stack did."""

    stack: str
    existed: bool
    changes: dict[str, int]
    removed_files: tuple[str, ...]


def _inside(project_dir: Path, relative: str) -> Path | None:
    """`relative` under the project, or None when it points elsewhere (never removed)."""
    root = project_dir.resolve()
    path = (root / relative).resolve()
    return path if path != root and root in path.parents else None


def destroy_review_stack(project_dir: Path, name: str,
                         on_output: Callable[[str], None] | None = None) -> Removal:
    """Destroy `pr-N`, remove it from the backend, its stack file and its rendered files."""
    if not PR_STACK.match(name):
        raise ValueError(f"only review stacks (pr-N) are removed this way (got {name})")
    render_dirs = {f"out/{name}"}
    changes: dict[str, int] = {}
    stack_file = config_file(project_dir, name)
    had_file = stack_file.exists()
    existed = stack_exists(project_dir, name)
    if existed:
        selected = stacks.stack(name, project_dir)
        rendered = selected.outputs().get("renderDir")
        if rendered is not None and rendered.value:
            render_dirs.add(str(rendered.value))
        result = selected.destroy(on_output=on_output, color="never")
        changes = stacks.operation_counts(result.summary.resource_changes)
        # Not preserve_config: a review stack's file is derived, never the user's.
        selected.workspace.remove_stack(name)
    removed = []
    if stack_file.exists():  # `pulumi stack rm` deletes it; a leftover without a stack too
        stack_file.unlink()
    if had_file:
        removed.append(stack_file.name)
    for relative in sorted(render_dirs):
        path = _inside(project_dir, relative)
        if path is not None and path.exists():
            shutil.rmtree(path)
            removed.append(f"{relative}/")
    return Removal(stack=name, existed=existed, changes=changes, removed_files=tuple(removed))


@dataclass(frozen=True)
class GcDecision:
    stack: str
    action: str
    """destroyed or kept."""
    reason: str


def collect_garbage(project_dir: Path, older_than: timedelta | None, now: datetime | None = None,
                    on_output: Callable[[str], None] | None = None) -> list[GcDecision]:
    """Destroy every review stack past its expiry (or created longer ago than older_than).

    Only stacks named pr-N carrying slipway's tags are candidates: dev, prod and anything
    else in the backend is never touched.
    """
    now = now or datetime.now(UTC)
    decisions = []
    for summary in sorted(stacks.workspace(project_dir).list_stacks(), key=lambda s: s.name):
        if not PR_STACK.match(summary.name):
            continue
        lifetime = Lifetime.from_tags(stacks.stack(summary.name, project_dir).list_tags())
        if lifetime is None:
            decisions.append(GcDecision(summary.name, "kept",
                                        "no slipway:expires tag (not made by slipway preview)"))
        elif lifetime.expired(now, older_than):
            destroy_review_stack(project_dir, summary.name, on_output)
            decisions.append(GcDecision(summary.name, "destroyed",
                                        f"created {timestamp(lifetime.created)}, expires "
                                        f"{timestamp(lifetime.expires)}"))
        else:
            decisions.append(GcDecision(summary.name, "kept",
                                        f"expires {timestamp(lifetime.expires)}"))
    return decisions
