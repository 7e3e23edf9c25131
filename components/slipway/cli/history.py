"""`slipway catalog` and `slipway dora`: what runs where, and how delivery is going.

Both read the stack's outputs and `pulumi stack history` (see tooling/history.py for what each
update records and where per-update outputs come from); the figures are computed by
tooling/dora.py. Tables for humans on stdout, or one JSON document with `--json`.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from pulumi import automation as auto
from rich.console import Console
from rich.table import Table

from ..tooling import dora as measures
from ..tooling import history
from ..tooling.durations import parse_duration
from .common import JsonOption, ProjectOption, StackOption, console

SinceOption = Annotated[str, typer.Option(
    "--since", help="Period to measure, ending now: a number and h, d or w (30d, 12h, 2w).")]


def _load(stack: str, project_dir: Path) -> tuple[
        list[history.Update], dict[str, history.ServiceVersion],
        dict[tuple[str, str], history.SourceCommit]]:
    """The history, the services running now and the source commits the service files name."""
    try:
        # Select only: reading history must never create a stack.
        selected = auto.select_stack(stack_name=stack, work_dir=str(project_dir),
                                     opts=auto.LocalWorkspaceOptions(env_vars={
                                         k: v for k, v in os.environ.items()
                                         if k.startswith("PULUMI_")}))
        updates = history.load(selected, project_dir)
        sources = history.source_commits(history.catalog_dir(selected, project_dir),
                                         history.GitCommits(project_dir))
        return updates, history.current_services(selected), sources
    except auto.errors.CommandError as err:
        console.print(f"[red]slipway: cannot read stack {stack!r}[/red]: "
                      f"{str(err).strip().splitlines()[-1] if str(err).strip() else err}")
        raise typer.Exit(code=1) from None


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "-"
    seconds = round(value.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "",
             f"{minutes}m" if minutes else "", f"{seconds}s" if seconds or not value else ""]
    return " ".join(p for p in parts if p) or "0s"


def catalog(stack: StackOption = "dev", json_output: JsonOption = False,
            project_dir: ProjectOption = Path(".")) -> None:
    """Per service: version, image digest, when and by whom it was deployed, commit, message."""
    updates, current, sources = _load(stack, project_dir)
    entries = measures.catalog(current, updates, sources)
    if json_output:
        print(json.dumps({"stack": stack, "services": [e.as_dict() for e in entries]}))
        return
    table = Table(title=f"Services on {stack}", title_justify="left")
    for column in ("service", "version", "image digest", "deployed", "by", "commit",
                   "message"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        update = entry.deployed_by
        digest = entry.image.split("@", 1)[1] if "@" in entry.image else entry.image
        message = update.message if update else "-"
        if update and update.commit_message:
            message = f"{update.commit_message} ({update.message})"
        table.add_row(entry.service, entry.version, digest[:19],
                      _when(update.finished if update else None),
                      (update.author if update else None) or "-",
                      (update.commit[:12] if update and update.commit else "-"), message)
    Console(soft_wrap=False).print(table)


def dora(stack: StackOption = "dev", since: SinceOption = "30d",
         json_output: JsonOption = False, project_dir: ProjectOption = Path(".")) -> None:
    """Deployment frequency, lead time, change failure rate and time to restore."""
    try:
        period = parse_duration(since, "--since")
    except ValueError as err:
        console.print(f"[red]slipway: {err}[/red]")
        raise typer.Exit(code=2) from None
    updates, _, sources = _load(stack, project_dir)
    until = datetime.now(UTC)
    result = measures.measure(updates, until - period, until, sources)
    if json_output:
        print(json.dumps({"stack": stack, **result.as_dict()}))
        return
    table = Table(title=f"DORA on {stack}, last {since}", title_justify="left")
    table.add_column("measure")
    table.add_column("value")
    table.add_column("from")
    table.add_row("deployment frequency", f"{result.deployment_frequency_per_day:.2f}/day",
                  f"{result.deployments} deployments in {result.days:g} days")
    table.add_row("lead time for changes (median)", _duration(result.lead_time_median),
                  f"{len(result.lead_times)} deployments with a known commit time")
    rate = result.change_failure_rate
    table.add_row("change failure rate", "-" if rate is None else f"{rate:.1%}",
                  f"{result.failed_changes} failed of {result.finished_changes} changes")
    table.add_row("time to restore (median)", _duration(result.time_to_restore_median),
                  f"{len(result.restore_times)} restored, {result.unrestored} not yet")
    Console(soft_wrap=False).print(table)
