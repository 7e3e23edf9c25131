"""The four DORA measures and the version catalog, computed from a stack's update history.

Pure functions over `history.Update` records (oldest first), so hand-built histories test
them. The definitions (docs/catalog-and-dora.md says the same in prose):

- A *change* is one version of one service going to production. It starts with the first
  update that exposes it to users: `slipway release start S V` (canary or blue-green), or a
  `promote`/`flip` with no start before it, or any other update (e.g. `slipway up` after a
  spec edit) whose stack outputs show a new version or image for S.
- A change is *deployed* by the first successful update that gives it all the traffic:
  `promote`/`flip`, a release update whose outputs show the new version live (a canary
  whose first step is 100), or that other update itself.
- `slipway deliver` also writes `roll` (a rolling service's new version: starts and deploys
  it), `verify` (the judged roll-out, nothing new) and `supersede` (a release given up for a
  newer version: that change is neither deployed nor failed, so it never counts as a failure).
- A change *fails* when `slipway release rollback S ...` succeeds for it (before or after
  it was deployed), or when an update carrying it fails. It is *restored* by that rollback,
  or else by the next successful update of the stack that concerns S (a release of S, or any
  update that is not a release, such as `slipway up`).
- Deployment frequency: deployed changes in the period / days in the period.
- Lead time for changes: per deployed change, deploy end time minus the commit time of the
  change: the image's source commit named by the service file (`commit:`) when the version
  matches and the repository has that commit, else the git HEAD recorded on the update that
  started it, else on the deploying update; the median is reported.
- Change failure rate: failed changes / finished changes (deployed or failed) started in the
  period.
- Time to restore: per failed change, from the start of the update that started it to the
  end of the update that restored it; the median is reported, unrestored failures counted.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .history import ServiceVersion, SourceCommit, Update

Sources = Mapping[tuple[str, str], SourceCommit]



@dataclass
class Change:
    """One version of one service going to production, and what became of it."""

    service: str
    version: str
    started: Update
    deployed: Update | None = None
    failed: Update | None = None
    restored: Update | None = None
    superseded: Update | None = None
    """A newer version replaced it before it finished: neither deployed nor failed."""

    @property
    def finished(self) -> bool:
        return self.deployed is not None or self.failed is not None

    def lead_time(self, sources: Sources | None = None) -> timedelta | None:
        """Deploy end minus the change's commit time: the image's source commit (the service
        file's `commit:`) when the repository has it, else the git HEAD of the update that
        started the change, else of the one that deployed it."""
        if self.deployed is None:
            return None
        source = (sources or {}).get((self.service, self.version))
        committed = ((source.time if source else None) or self.started.commit_time
                     or self.deployed.commit_time)
        return self.deployed.finished - committed if committed else None

    @property
    def time_to_restore(self) -> timedelta | None:
        if self.failed is None or self.restored is None:
            return None
        return self.restored.finished - self.started.start


def changes(updates: list[Update]) -> list[Change]:
    """Every change in the history, oldest first (see the module docstring)."""
    found: list[Change] = []
    # Outputs before the first update: nothing runs, so its services are all new changes.
    previous: dict[str, ServiceVersion] = {}

    def latest(service: str) -> Change | None:
        return next((c for c in reversed(found) if c.service == service), None)

    def settle(change: Change, update: Update, deploys: bool) -> None:
        if not update.succeeded:
            change.failed = change.failed or update
        elif deploys:
            # Blue-green: the flip deploys, the promote that finishes the release does not.
            change.deployed = change.deployed or update

    for update in updates:
        if update.kind != "update":
            continue
        release = update.release
        if release is not None and release.action == "rollback":
            target = latest(release.service)
            if target is not None and target.restored is None and update.succeeded:
                target.failed = target.failed or update
                target.restored = update
        elif release is not None and release.action == "supersede":
            target = latest(release.service)
            if target is not None and target.version == release.version and update.succeeded \
                    and not target.finished:
                target.superseded = update
        elif release is not None:
            change = latest(release.service)
            if (release.action in ("start", "roll") or change is None
                    or change.version != release.version or change.restored is not None
                    or change.superseded is not None):
                change = Change(release.service, release.version, started=update)
                found.append(change)
            # Outputs (when known) also tell when the version went live without a promote or
            # flip, e.g. a canary whose first step is 100.
            now = (update.services or {}).get(release.service)
            went_live = (now is not None and now.version == release.version
                         and previous.get(release.service) != now)
            settle(change, update,
                   deploys=release.action in ("promote", "flip", "roll") or went_live)
        elif update.services is not None:
            for name, now in sorted(update.services.items()):
                if previous.get(name) != now:
                    change = Change(name, now.version, started=update)
                    found.append(change)
                    settle(change, update, deploys=True)
        if update.succeeded:
            # A successful update converges the stack again: it restores every failed change
            # still open (of its service, when it is a release).
            for change in found:
                if (change.failed is not None and change.restored is None
                        and (release is None or release.service == change.service)):
                    change.restored = update
            if update.services is not None:
                previous = update.services
    return found


def _median(values: list[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))


@dataclass(frozen=True)
class Dora:
    """The four measures over [since, until]."""

    since: datetime
    until: datetime
    deployments: int
    deployment_frequency_per_day: float
    lead_time_median: timedelta | None
    lead_times: list[timedelta]
    finished_changes: int
    failed_changes: int
    change_failure_rate: float | None
    time_to_restore_median: timedelta | None
    restore_times: list[timedelta]
    unrestored: int
    failures: list[Change] = field(default_factory=list)

    @property
    def days(self) -> float:
        return (self.until - self.since) / timedelta(days=1)

    def as_dict(self) -> dict[str, object]:
        def seconds(value: timedelta | None) -> float | None:
            return None if value is None else round(value.total_seconds(), 3)

        return {
            "since": self.since.isoformat(), "until": self.until.isoformat(),
            "days": round(self.days, 3),
            "deploymentFrequency": {"deployments": self.deployments,
                                    "perDay": round(self.deployment_frequency_per_day, 4)},
            "leadTimeForChanges": {"medianSeconds": seconds(self.lead_time_median),
                                   "seconds": [seconds(v) for v in self.lead_times]},
            "changeFailureRate": {"failed": self.failed_changes,
                                  "finished": self.finished_changes,
                                  "rate": None if self.change_failure_rate is None
                                  else round(self.change_failure_rate, 4)},
            "timeToRestore": {"medianSeconds": seconds(self.time_to_restore_median),
                              "seconds": [seconds(v) for v in self.restore_times],
                              "unrestored": self.unrestored},
            "failures": [{"service": c.service, "version": c.version,
                          "startedBy": c.started.message,
                          "failedBy": c.failed.message if c.failed else None,
                          "restoredBy": c.restored.message if c.restored else None}
                         for c in self.failures],
        }


def measure(updates: list[Update], since: datetime, until: datetime,
            sources: Sources | None = None) -> Dora:
    """The DORA measures for the changes of the period (see the module docstring);
    `sources` are the image source commits the service files name (history.source_commits)."""
    every = changes(updates)
    deployed = [c for c in every
                if c.deployed is not None and since <= c.deployed.finished <= until]
    lead_times = [lt for c in deployed if (lt := c.lead_time(sources)) is not None]
    started = [c for c in every if since <= c.started.start <= until]
    finished = [c for c in started if c.finished]
    failed = [c for c in started if c.failed is not None]
    restore_times = [t for c in failed if (t := c.time_to_restore) is not None]
    days = (until - since) / timedelta(days=1)
    return Dora(
        since=since, until=until,
        deployments=len(deployed),
        deployment_frequency_per_day=len(deployed) / days if days > 0 else 0.0,
        lead_time_median=_median(lead_times), lead_times=lead_times,
        finished_changes=len(finished), failed_changes=len(failed),
        change_failure_rate=len(failed) / len(finished) if finished else None,
        time_to_restore_median=_median(restore_times), restore_times=restore_times,
        unrestored=sum(1 for c in failed if c.restored is None),
        failures=failed,
    )


@dataclass(frozen=True)
class CatalogEntry:
    """One service as it runs now, and the update that first deployed that version."""

    service: str
    version: str
    image: str
    deployed_by: Update | None
    source_commit: str | None = None
    """The image's source commit, from the service file when it describes this version."""

    def as_dict(self) -> dict[str, object]:
        update = self.deployed_by
        return {
            "service": self.service, "version": self.version, "image": self.image,
            "deployedAt": update.finished.isoformat() if update else None,
            "deployedBy": update.author if update else None,
            "update": update.version if update else None,
            "updateMessage": update.message if update else None,
            "commit": update.commit if update else None,
            "commitMessage": update.commit_message if update else None,
            "sourceCommit": self.source_commit,
        }


def deployed_by(service: str, current: ServiceVersion, updates: list[Update]) -> Update | None:
    """The update that first deployed the current version and image of `service`.

    With per-update outputs: the oldest update of the newest unbroken run of successful
    updates whose outputs show exactly this version and image. Without them: the update
    that deployed the latest change of this service at this version (release messages).
    """
    known = [u for u in updates if u.kind == "update" and u.succeeded and u.services is not None]
    if known:
        first: Update | None = None
        for update in reversed(known):
            assert update.services is not None
            if update.services.get(service) != current:
                break
            first = update
        return first
    for change in reversed(changes(updates)):
        if change.service == service and change.version == current.version and change.deployed:
            return change.deployed
    return None


def catalog(current: dict[str, ServiceVersion], updates: list[Update],
            sources: Sources | None = None) -> list[CatalogEntry]:
    def source(name: str, version: str) -> str | None:
        found = (sources or {}).get((name, version))
        return found.sha if found else None

    return [CatalogEntry(service=name, version=now.version, image=now.image,
                         deployed_by=deployed_by(name, now, updates),
                         source_commit=source(name, now.version))
            for name, now in sorted(current.items())]
