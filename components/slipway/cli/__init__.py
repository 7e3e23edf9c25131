"""`slipway`: the command-line tool, driving stacks through Pulumi's Automation API.

    slipway up --stack dev          # the dev stack: manifests rendered into out/dev
    slipway preview --stack prod
    slipway preview --pr 42 --markdown summary.md   # a pull request's review stack
    slipway previews gc --older-than 7d
    slipway deliver --stack dev --prometheus-url http://prometheus:9090   # ship merged bumps
    slipway destroy --stack dev
    slipway cluster up|status|down  # the local cluster the dev stack deploys to

Every command takes `--json` for machines; the human output is one summary line. Each group
of commands lives in its own module and is registered here.
"""

from __future__ import annotations

import typer

from . import cluster, deliver, history, platform_commands, previews, release, stack_commands
from .common import Commands

app = typer.Typer(help="Ship microservices with Pulumi: stacks, previews, releases.",
                  no_args_is_help=True, add_completion=False, cls=Commands)

app.command()(stack_commands.up)
app.command()(previews.preview)
app.command()(stack_commands.destroy)
app.command()(deliver.deliver)
app.command()(history.catalog)
app.command()(history.dora)
app.command()(platform_commands.capacity)
app.add_typer(previews.app, name="previews")
app.add_typer(release.app, name="release")
app.add_typer(cluster.app, name="cluster")
