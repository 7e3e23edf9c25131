"""`slipway cluster up|down|status`: the local Kubernetes cluster the dev stack deploys to.

    slipway cluster up        # start it (built from Go modules on first use); instant if running
    slipway cluster status    # what runs where: pids, addresses, kubeconfig and context
    slipway cluster down      # stop exactly the processes `up` started and remove their data
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ..tooling import cluster
from .common import JsonOption, ProjectOption, console

app = typer.Typer(help="The local Kubernetes cluster on loopback (kube-apiserver + kwok nodes).",
                  no_args_is_help=True)


def _fail(err: cluster.ClusterError) -> typer.Exit:
    console.print(f"[red]slipway cluster: {err}[/red]")
    return typer.Exit(code=1)


@app.command()
def up(json_output: JsonOption = False, project_dir: ProjectOption = Path(".")) -> None:
    """Start the cluster unless it runs; print where it is and how long `up` took."""
    local = cluster.LocalCluster(project_dir)
    try:
        status = local.up()
    except cluster.ClusterError as err:
        raise _fail(err) from None
    if json_output:
        print(json.dumps(status.to_json()))
        return
    verb = {"none": "already running", "created": "created",
            "restarted": "restarted", "finished": "set up"}[status.action]
    console.print(f"[green]cluster {status.name}: {verb}[/green] in {status.seconds:.1f} s; "
                  f"{status.nodes_ready} nodes ready; api server {status.server}; "
                  f"kubeconfig {status.kubeconfig} (context {status.context})")


@app.command()
def status(json_output: JsonOption = False, project_dir: ProjectOption = Path(".")) -> None:
    """What runs where. Exit 0 when the cluster runs, 3 when it does not."""
    current = cluster.LocalCluster(project_dir).status()
    if json_output:
        print(json.dumps(current.to_json()))
    else:
        for line in cluster.describe(current):
            print(line)
    if not current.running:
        raise typer.Exit(code=3)


@app.command()
def down(json_output: JsonOption = False, project_dir: ProjectOption = Path(".")) -> None:
    """Stop the processes `up` started (by pid) and delete the cluster's data."""
    local = cluster.LocalCluster(project_dir)
    try:
        stopped = local.down()
    except cluster.ClusterError as err:
        raise _fail(err) from None
    if json_output:
        print(json.dumps({"name": local.name, "stopped": [p.pid for p in stopped]}))
    else:
        console.print(f"[green]cluster {local.name}: down[/green] "
                      f"({len(stopped)} processes stopped, {local.root} removed)")
