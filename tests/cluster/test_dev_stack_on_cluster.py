"""The dev stack in a real cluster: it comes up Ready with the provider's awaits, a second up
changes nothing, Pod Security admission holds, and every custom resource (dev's, and prod's
Kubernetes side) passes the API server's validation against the vendored CRD schemas."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml
from cluster.deployment import NAMESPACE, Deployed, counts, slipway
from cluster.kube import Kube, available, complete, ready
from runners import SLIPWAY

from engine_project import Project, copy_project, render_prod_without_aws
from slipway.tooling import stacks


def test_dev_stack_comes_up_with_every_deployment_available_and_jobs_complete(
        deployed: Deployed, project: Project, kube: Kube) -> None:
    changes = counts(deployed.first)
    assert set(changes) == {"create"}, changes
    # The provider waited: when `up` returned, every Deployment had rolled out.
    deployments = kube.items("deployments", NAMESPACE)
    services = project.stack().outputs()["services"].value
    assert {d["metadata"]["labels"]["app.kubernetes.io/name"] for d in deployments} == set(
        services)
    # Every Deployment was rolled out when `up` returned; an autoscaler created after it may
    # be raising it to its minimum right now, so full availability is waited for.
    assert all(d.get("status", {}).get("availableReplicas", 0) >= 1 for d in deployments)
    kube.wait_until("every Deployment available at its autoscaler's count", lambda: all(
        available(d) for d in kube.items("deployments", NAMESPACE)))
    jobs = kube.items("jobs", NAMESPACE)
    assert [j["metadata"]["name"] for j in jobs] == ["orders-migrate-1-8-3"]
    assert all(complete(j) for j in jobs)
    # Every pod of every Deployment is Ready, on a kwok node, in a zone.
    pods = [p for p in kube.items("pods", NAMESPACE) if p["status"].get("phase") == "Running"]
    assert pods and all(ready(p) for p in pods)
    zones = {n["metadata"]["name"]: n["metadata"]["labels"]["topology.kubernetes.io/zone"]
             for n in kube.get("nodes")["items"]}
    assert len(zones) == 6 and len(set(zones.values())) == 3
    assert all(p["spec"]["nodeName"] in zones for p in pods)


def test_pods_of_a_service_spread_over_zones(deployed: Deployed, kube: Kube) -> None:
    kube.wait_until("orders scaled to its minimum of 3 by its HPA", lambda: len([
        p for p in kube.items("pods", NAMESPACE, "app.kubernetes.io/name=orders",
                              "app.kubernetes.io/component=server") if ready(p)]) >= 3,
                    timeout=180)
    zones = {n["metadata"]["name"]: n["metadata"]["labels"]["topology.kubernetes.io/zone"]
             for n in kube.get("nodes")["items"]}
    pods = kube.items("pods", NAMESPACE, "app.kubernetes.io/name=orders",
                      "app.kubernetes.io/component=server")
    per_zone = Counter(zones[p["spec"]["nodeName"]] for p in pods)
    assert len(per_zone) == 3, per_zone  # the scheduler honoured the zone spread


def test_second_up_changes_nothing(deployed: Deployed, project: Project) -> None:
    code, out, err = slipway(project, "up", "--stack", "dev")
    assert code == 0, err
    assert set(out["changes"]) == {"same"}, out["changes"]
    assert out["context"] == "slipway-test"


def test_a_run_leaves_no_file_in_the_temporary_directory(
        deployed: Deployed, project: Project, tmp_path: Path) -> None:
    # The provider writes the kubeconfig it is given to a new file in $TMPDIR on every run and
    # never removes it; Slipway gives the engine a directory of its own and removes it.
    result = subprocess.run(
        [str(SLIPWAY), "preview", "--stack", "dev", "--project-dir", str(project.path)],
        env={**os.environ, "TMPDIR": str(tmp_path)}, capture_output=True, text=True,
        timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def privileged_pod(namespace: str) -> str:
    return json.dumps({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "privileged-probe", "namespace": namespace},
        "spec": {"containers": [{
            "name": "shell", "image": "registry.example.com/tools/shell@sha256:" + "a" * 64,
            "securityContext": {"privileged": True}}]},
    })


def test_pod_security_refuses_a_privileged_pod_in_slipways_namespace(
        deployed: Deployed, kube: Kube) -> None:
    labels = kube.get("namespace", NAMESPACE)["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    refused = kube.run("create", "-f", "-", stdin=privileged_pod(NAMESPACE), check=False)
    assert refused.returncode != 0
    assert 'violates PodSecurity "restricted:' in refused.stderr
    assert "privileged" in refused.stderr
    assert kube.run("get", "pod", "privileged-probe", "-n", NAMESPACE,
                    check=False).returncode != 0
    # The same pod where no Pod Security level is enforced is admitted (dry run): it was
    # the namespace's level that refused it, not something else about the pod.
    admitted = kube.run("create", "--dry-run=server", "-f", "-",
                        stdin=privileged_pod("default"), check=False)
    assert admitted.returncode == 0, admitted.stderr


def test_every_slipway_pod_is_admitted(deployed: Deployed, kube: Kube) -> None:
    refused = [e["message"] for e in kube.items("events", NAMESPACE)
               if e.get("reason") == "FailedCreate"]
    assert refused == []
    for replica_set in kube.items("replicasets", NAMESPACE):
        want = replica_set["spec"].get("replicas", 0)
        have = replica_set.get("status", {}).get("replicas", 0)
        assert have == want, replica_set["metadata"]["name"]


CUSTOM_GROUPS = ("monitoring.coreos.com", "networking.istio.io", "security.istio.io",
                 "external-secrets.io", "cert-manager.io", "gateway.networking.k8s.io")


def test_dev_custom_resources_are_held_by_the_api_server(deployed: Deployed, project: Project,
                                                         kube: Kube) -> None:
    custom = [r for r in project.resources() if r["type"].split(":")[1].split("/")[0]
              in CUSTOM_GROUPS]
    assert {r["type"].rsplit(":", 1)[1] for r in custom} >= {"ExternalSecret", "HTTPRoute"}
    for resource in custom:
        outputs = resource["outputs"]
        kind = f"{outputs['kind']}.{outputs['apiVersion'].split('/')[0]}"
        meta = outputs["metadata"]
        held = kube.get(kind, meta["name"], "-n", meta["namespace"])
        assert held["metadata"]["uid"] == meta["uid"]


def test_a_custom_resource_that_breaks_its_schema_is_refused(deployed: Deployed,
                                                             kube: Kube) -> None:
    bad = {"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
           "metadata": {"name": "bad", "namespace": NAMESPACE},
           "spec": {"refreshInterval": "1h", "secretStoreRef": {"name": "x", "kind": "Vault"},
                    "target": {"name": "bad"}, "data": "not-a-list"}}
    result = kube.run("create", "--dry-run=server", "-f", "-", stdin=json.dumps(bad),
                      check=False)
    assert result.returncode != 0
    assert "spec.data" in result.stderr and "spec.secretStoreRef.kind" in result.stderr


def test_prods_kubernetes_side_passes_server_side_validation(
        kube: Kube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Prod's in-cluster platform and services, rendered (no AWS here), then a server-side
    dry run of every custom resource against the vendored CRDs."""
    prod = copy_project(tmp_path, monkeypatch)
    render_prod_without_aws(prod)
    prod.up("prod")
    documents = [yaml.safe_load(p.read_text()) for p in stacks.rendered_files(
        prod.path / "out" / "prod")]
    custom = [d for d in documents if d["apiVersion"].split("/")[0] in CUSTOM_GROUPS]
    kinds = {d["kind"] for d in custom}
    assert kinds >= {"VirtualService", "DestinationRule", "AuthorizationPolicy",
                     "PeerAuthentication", "ServiceMonitor", "PrometheusRule",
                     "ExternalSecret", "ClusterSecretStore", "Certificate", "Gateway",
                     "HTTPRoute"}, kinds
    namespaces = sorted({d["metadata"]["namespace"] for d in custom
                         if d["metadata"].get("namespace")})
    for name in namespaces:  # namespaced dry runs need the namespace to exist
        kube.run("create", "namespace", name, check=False)
    failures = []
    for document in custom:
        result = kube.run("apply", "--server-side", "--dry-run=server",
                          "--field-manager", "slipway-test", "-f", "-",
                          stdin=json.dumps(document), check=False)
        if result.returncode != 0:
            failures.append(f"{document['kind']} {document['metadata']['name']}: "
                            f"{result.stderr.strip()}")
    assert failures == []
