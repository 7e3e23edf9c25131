"""The local cluster's pure parts: vendored CRDs and their checksums, the simulated nodes, the
/proc address parsing behind `slipway cluster status`, and what counts as a stale lock."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import time
from importlib import resources
from pathlib import Path

import pytest
import yaml

from slipway.tooling import cluster, recovery
from slipway.tooling.cluster_crds import crd_files, crd_kinds, vendored_crds
from slipway.tooling.cluster_nodes import ZONES, node_manifests

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("folder", ["prometheus-operator", "istio", "external-secrets",
                                    "cert-manager", "gateway-api"])
def test_each_vendored_crd_folder_records_its_source_and_every_files_sha256(folder: str) -> None:
    root = resources.files("slipway.platform").joinpath("crds", folder)
    readme = root.joinpath("README.md").read_text()
    recorded = dict(re.findall(r"^\| (\S+\.yaml) \| ([0-9a-f]{64}) \|$", readme, re.M))
    assert sorted(recorded) == crd_files()[folder]
    for name, digest in recorded.items():
        assert hashlib.sha256(root.joinpath(name).read_bytes()).hexdigest() == digest, name
    assert re.search(r"Go module `[^`]+` \*\*v[0-9.]+\*\*", readme)
    assert re.search(r"Module zip sha256: `[0-9a-f]{64}`", readme)


def test_the_cluster_gets_every_crd_the_stacks_use() -> None:
    kinds = crd_kinds(vendored_crds())
    assert kinds >= {
        ("monitoring.coreos.com", "ServiceMonitor"), ("monitoring.coreos.com", "PrometheusRule"),
        ("monitoring.coreos.com", "Probe"),
        ("networking.istio.io", "VirtualService"), ("networking.istio.io", "DestinationRule"),
        ("networking.istio.io", "EnvoyFilter"), ("security.istio.io", "AuthorizationPolicy"),
        ("security.istio.io", "PeerAuthentication"),
        ("external-secrets.io", "ExternalSecret"), ("external-secrets.io", "ClusterSecretStore"),
        ("cert-manager.io", "Certificate"),
        ("gateway.networking.k8s.io", "HTTPRoute"), ("gateway.networking.k8s.io", "Gateway"),
    }


def test_crds_are_applied_without_helm_directives_or_status() -> None:
    documents = {d["metadata"]["name"]: d for d in vendored_crds()}
    for document in documents.values():
        assert "status" not in document and "creationTimestamp" not in document["metadata"]
        assert "{{" not in yaml.safe_dump(document["metadata"])
    # Kept: the approval annotation a protected group (*.k8s.io) must carry.
    assert "api-approved.kubernetes.io" in documents[
        "httproutes.gateway.networking.k8s.io"]["metadata"]["annotations"]
    assert "labels" not in documents["certificates.cert-manager.io"]["metadata"]


def test_six_nodes_across_three_zones_with_realistic_allocatable() -> None:
    nodes = node_manifests()
    assert len(nodes) == 6
    zones = [n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes]
    assert sorted(zones) == sorted(ZONES * 2)
    for node in nodes:
        assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"
        allocatable, capacity = node["status"]["allocatable"], node["status"]["capacity"]
        assert allocatable["cpu"] == "3920m" and capacity["cpu"] == "4"
        assert allocatable["memory"] != capacity["memory"]  # the kubelet keeps some back


def test_proc_addresses_are_read_as_text() -> None:
    assert cluster._address("0100007F:1F90") == "127.0.0.1:8080"
    assert cluster._address("00000000000000000000000001000000:0050") == "[::1]:80"


def test_status_of_a_cluster_that_was_never_started_is_absent(tmp_path: Path) -> None:
    local = cluster.LocalCluster(ROOT, name="never", root=tmp_path / "c")
    status = local.status()
    assert status.state == "absent" and not status.running
    assert cluster.describe(status)[0] == "cluster never: absent"


def test_down_stops_only_recorded_processes_that_still_run_their_binary(tmp_path: Path) -> None:
    sleeper = subprocess.Popen(["sleep", "60"])
    other = subprocess.Popen(["sleep", "60"])
    try:
        local = cluster.LocalCluster(ROOT, name="t", root=tmp_path / "c")
        local.root.mkdir(parents=True)
        local.state_file.write_text(json.dumps({"binDir": str(tmp_path), "processes": [
            {"component": "etcd", "pid": sleeper.pid, "binary": "/usr/bin/sleep"},
            # A recorded pid now running another program is not ours: left alone.
            {"component": "kwok-controller", "pid": other.pid, "binary": "/x/kwok"}]}))
        local.down(log=lambda _: None)
        assert sleeper.wait(timeout=15) == -15  # SIGTERM
        assert other.poll() is None
        assert not local.root.exists()
    finally:
        other.kill()
        sleeper.kill()


def test_only_locks_of_dead_processes_on_this_host_are_stale(tmp_path: Path) -> None:
    locks = tmp_path / ".pulumi" / "locks" / "organization" / "slipway" / "dev"
    locks.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    host = socket.gethostname()
    (locks / "dead.json").write_text(json.dumps({"pid": dead.pid, "hostname": host}))
    (locks / "live.json").write_text(json.dumps({"pid": os.getpid(), "hostname": host}))
    (locks / "elsewhere.json").write_text(json.dumps({"pid": dead.pid, "hostname": "other"}))
    assert [p.name for p in recovery.stale_locks(tmp_path, "dev")] == ["dead.json"]
    assert recovery.stale_locks(tmp_path, "prod") == []


def test_a_killed_but_unreaped_process_does_not_hold_its_lock(tmp_path: Path) -> None:
    zombie = subprocess.Popen(["true"])
    deadline = time.monotonic() + 5
    while Path(f"/proc/{zombie.pid}/stat").read_text().split(") ")[1][0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    locks = tmp_path / ".pulumi" / "locks" / "organization" / "slipway" / "dev"
    locks.mkdir(parents=True)
    (locks / "z.json").write_text(json.dumps({"pid": zombie.pid,
                                              "hostname": socket.gethostname()}))
    try:
        assert [p.name for p in recovery.stale_locks(tmp_path, "dev")] == ["z.json"]
    finally:
        zombie.wait()
