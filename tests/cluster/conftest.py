"""Cluster fixtures: one real cluster on loopback per test session, and one engine project
(a copy of Slipway with its own state) whose dev stack deploys into it.

The cluster is the one `slipway cluster up` makes (kube-apiserver, etcd, controller-manager,
scheduler, kwok nodes; binaries from toolchain/cluster/build.sh), under its own name and a
temporary folder, so it never touches the cluster `make up` uses. It is stopped (by pid) and
removed when the session ends. Like the integration tests, these fail (never skip) without the
toolchain.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from cluster.deployment import Deployed, deploy
from cluster.kube import Kube

from engine_project import ROOT, Project, copy_project
from slipway.tooling.cluster import LocalCluster

CLUSTER_NAME = "slipway-test"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/cluster" in str(item.fspath):
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="session")
def local_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    # One cluster per test session, started and stopped here. `make test` runs the cluster
    # tests in one process (they share the cluster and one deployed stack); the lock only
    # guards a run that spreads them over pytest-xdist workers anyway.
    shared = tmp_path_factory.getbasetemp().parent if os.environ.get(
        "PYTEST_XDIST_WORKER") else tmp_path_factory.getbasetemp()
    local = LocalCluster(ROOT, name=CLUSTER_NAME, root=shared / "slipway-test-cluster")
    with open(shared / "slipway-test-cluster.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        local.up()
    try:
        yield local
    finally:
        local.down()


@pytest.fixture(scope="session")
def kube(local_cluster: LocalCluster) -> Kube:
    bin_dir = Path(json.loads(local_cluster.state_file.read_text())["binDir"])
    return Kube(bin_dir / "kubectl", local_cluster.kubeconfig, local_cluster.context)


def target_cluster(project: Project, local: LocalCluster) -> None:
    """The copy's dev stack deploys to the test cluster (absolute kubeconfig path)."""
    stack_file = project.path / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    document["config"]["slipway:kubernetes"] = {"context": local.context,
                                                "kubeconfig": str(local.kubeconfig)}
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))


@pytest.fixture(scope="session")
def project(local_cluster: LocalCluster,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    with pytest.MonkeyPatch.context() as patch:
        copy = copy_project(tmp_path_factory.mktemp("engine"), patch, render=False)
        target_cluster(copy, local_cluster)
        yield copy


@pytest.fixture(scope="session")
def deployed(project: Project) -> Deployed:
    """The dev stack's first up into the cluster (shared: the slow part of the session)."""
    return deploy(project)
