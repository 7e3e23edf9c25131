"""Probes, resources and images, called directly on raw Kubernetes props (pod security:
test_pss_*.py)."""

from __future__ import annotations

from typing import Any

import pytest

from policy_fixtures import cronjob, deployment, pod
from rules.config import ConfigError
from rules.images import check_digest, check_latest, check_registry, parse_image
from rules.k8s import UNKNOWN_SENTINELS
from rules.probes import check_probes
from rules.resources import check_resources

UNKNOWN_STRING = next(iter(UNKNOWN_SENTINELS))
WHO = "Deployment 'shop/orders'"
C0 = "spec.template.spec.containers[0]"
TRUSTED = {"trustedRegistries": ["registry.example.com"]}


def app(resource: dict[str, Any]) -> dict[str, Any]:
    spec = resource["spec"]["template"]["spec"]
    container: dict[str, Any] = spec["containers"][0]
    return container


@pytest.mark.parametrize("make", [deployment, cronjob, pod])
def test_compliant_workloads_pass_every_resource_rule(make: Any) -> None:
    for check in (check_probes, check_resources, check_digest, check_latest):
        assert check(make(), {}) == []
    assert check_registry(make(), TRUSTED) == []


# --- probes ---------------------------------------------------------------------------------

def test_fails_when_readiness_probe_missing() -> None:
    d = deployment()
    del app(d)["readinessProbe"]
    assert check_probes(d, {}) == [
        f"{WHO}: container 'app' has no readiness probe ({C0}.readinessProbe). Add a "
        "readinessProbe (httpGet, tcpSocket, grpc or exec) so Kubernetes can hold traffic until "
        "it is ready."
    ]


def test_fails_when_liveness_probe_missing_and_passes_when_not_required() -> None:
    d = deployment()
    del app(d)["livenessProbe"]
    assert check_probes(d, {}) == [
        f"{WHO}: container 'app' has no liveness probe ({C0}.livenessProbe). Add a "
        "livenessProbe (httpGet, tcpSocket, grpc or exec) so Kubernetes can restart it when it "
        "hangs."
    ]
    assert check_probes(d, {"requireLiveness": False}) == []


def test_fails_when_probe_port_is_not_declared() -> None:
    d = deployment()
    app(d)["readinessProbe"] = {"httpGet": {"path": "/", "port": "metrics"}}
    app(d)["livenessProbe"] = {"tcpSocket": {"port": 9090}}
    assert check_probes(d, {}) == [
        f"{WHO}: container 'app' readinessProbe uses port 'metrics' "
        f"({C0}.readinessProbe.httpGet.port), which is not among its ports (8080, http). Probe a "
        f"declared containerPort or port name, or declare the port in {C0}.ports.",
        f"{WHO}: container 'app' livenessProbe uses port 9090 ({C0}.livenessProbe.tcpSocket.port)"
        f", which is not among its ports (8080, http). Probe a declared containerPort or port "
        f"name, or declare the port in {C0}.ports.",
    ]


def test_sidecar_init_containers_need_probes_and_plain_init_containers_cannot_have_them() -> None:
    d = deployment()
    spec = d["spec"]["template"]["spec"]
    spec["initContainers"] = [{"name": "migrate", "image": "x"},
                              {"name": "proxy", "image": "x", "restartPolicy": "Always",
                               "livenessProbe": {"exec": {"command": ["true"]}}}]
    assert check_probes(d, {}) == [
        f"{WHO}: init container 'proxy' has no readiness probe "
        "(spec.template.spec.initContainers[1].readinessProbe). Add a readinessProbe (httpGet, "
        "tcpSocket, grpc or exec) so Kubernetes can hold traffic until it is ready."
    ]


def test_jobs_need_no_probes_unless_configured() -> None:
    job = cronjob()
    del job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
    assert check_probes(job, {}) == []
    assert len(check_probes(job, {"kinds": ["CronJob"]})) == 1


def test_missing_pod_spec_is_handled_without_error() -> None:
    bare = {"kind": "Deployment", "metadata": {"name": "x"}}
    for check in (check_probes, check_resources, check_digest):
        assert check(bare, {}) == []


# --- resources ------------------------------------------------------------------------------

def test_fails_for_each_missing_request_and_limit() -> None:
    d = deployment()
    app(d)["resources"] = {"requests": {"cpu": ""}}
    assert check_resources(d, {}) == [
        f"{WHO}: container 'app' has no cpu request ({C0}.resources.requests.cpu). Set "
        "resources.requests.cpu (for example '100m').",
        f"{WHO}: container 'app' has no memory request ({C0}.resources.requests.memory). Set "
        "resources.requests.memory (for example '128Mi').",
        f"{WHO}: container 'app' has no memory limit ({C0}.resources.limits.memory). Set "
        "resources.limits.memory (for example '128Mi').",
    ]


def test_cpu_limit_is_required_only_when_configured() -> None:
    d = deployment()
    del app(d)["resources"]["limits"]["cpu"]
    assert check_resources(d, {}) == []
    assert check_resources(d, {"requireCpuLimit": True}) == [
        f"{WHO}: container 'app' has no cpu limit ({C0}.resources.limits.cpu). Set "
        "resources.limits.cpu (for example '100m')."
    ]


# --- images ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("image", "registry", "repository", "tag", "digest"),
    [
        ("nginx", "docker.io", "library/nginx", None, None),
        ("localhost:5000/a/b:1.0", "localhost:5000", "a/b", "1.0", None),
        ("r.io/a@sha256:00", "r.io", "a", None, "sha256:00"),
        ("r.io:443/a/b:v1@sha256:11", "r.io:443", "a/b", "v1", "sha256:11"),
    ],
)
def test_parses_image_references(
    image: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = parse_image(image)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag,
                                                                   digest)


def test_fails_when_image_not_pinned_or_digest_invalid() -> None:
    d = deployment()
    app(d)["image"] = "registry.example.com/shop/orders:1.2"
    assert check_digest(d, {}) == [
        f"{WHO}: container 'app' image registry.example.com/shop/orders:1.2 ({C0}.image) is not "
        "pinned by digest. Use registry.example.com/shop/orders@sha256:<digest>, e.g. from "
        "`crane digest` or your build's output."
    ]
    app(d)["image"] = "registry.example.com/shop/orders@sha256:abc"
    assert check_digest(d, {}) == [
        f"{WHO}: container 'app' image digest 'sha256:abc' ({C0}.image) is not a sha256 digest. "
        "Use @sha256: followed by 64 lowercase hex characters."
    ]


def test_fails_when_container_has_no_image_once() -> None:
    d = deployment()
    del app(d)["image"]
    assert check_digest(d, {}) == [
        f"{WHO}: container 'app' has no image ({C0}.image). Set image to a "
        "registry/repository@sha256:<digest> reference."
    ]
    assert check_latest(d, {}) == []
    assert check_registry(d, TRUSTED) == []


def test_fails_for_untrusted_registry_and_respects_path_prefixes() -> None:
    d = deployment()
    app(d)["image"] = "registry.example.com.evil.io/shop/orders@sha256:" + "a" * 64
    assert check_registry(d, TRUSTED) == [
        f"{WHO}: container 'app' image from 'registry.example.com.evil.io' ({C0}.image: "
        "registry.example.com.evil.io/shop/orders) is not from a trusted registry "
        "(registry.example.com). Push the image to a trusted registry and reference it there, "
        "or add the registry to trustedRegistries."
    ]
    assert check_registry(deployment(), {"trustedRegistries": ["registry.example.com/shop"]}) == []
    partial_path = {"trustedRegistries": ["registry.example.com/sh"]}
    assert len(check_registry(deployment(), partial_path)) == 1


def test_registry_rule_refuses_an_empty_trusted_list() -> None:
    with pytest.raises(ConfigError, match="'trustedRegistries' must list at least one registry"):
        check_registry(deployment(), {})


def test_fails_for_latest_tag_written_or_implied() -> None:
    d = deployment()
    app(d)["image"] = "registry.example.com/shop/orders:latest"
    assert check_latest(d, {}) == [
        f"{WHO}: container 'app' image registry.example.com/shop/orders:latest ({C0}.image) uses "
        "the 'latest' tag. Tag it with a version and pin it by digest (@sha256:...)."
    ]
    app(d)["image"] = "registry.example.com/shop/orders"
    assert check_latest(d, {}) == [
        f"{WHO}: container 'app' image registry.example.com/shop/orders ({C0}.image) has no tag "
        "or digest, so it means 'latest'. Pin it by digest (@sha256:...)."
    ]


def test_unknown_image_during_preview_is_deferred_not_passed() -> None:
    d = deployment()
    app(d)["image"] = UNKNOWN_STRING
    for check in (check_digest, check_latest):
        out = check(d, {})
        assert out == []
        assert out.unknown == [f"{C0}.image"]
