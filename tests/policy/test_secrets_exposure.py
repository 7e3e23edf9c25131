"""Plaintext credentials in env and ConfigMaps; LoadBalancer and NodePort Services."""

from __future__ import annotations

from typing import Any

import pytest

from policy_fixtures import deployment
from rules.config import ConfigError
from rules.k8s import UNKNOWN_SENTINELS
from rules.plaintext_secrets import check_configmap_secrets, check_env_secrets
from rules.service_exposure import check_external_ips, check_service_exposure

ENV0 = "spec.template.spec.containers[0].env"


def with_env(*pairs: tuple[str, str]) -> dict[str, Any]:
    d = deployment()
    d["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {"name": n, "value": v} for n, v in pairs
    ]
    return d


def env_message(index: int, name: str, reason: str) -> str:
    return (
        f"Deployment 'shop/orders': container 'app' env var {name} ({ENV0}[{index}].value) holds "
        f"a plaintext value and {reason}. Move it to a Secret and reference it with "
        "valueFrom.secretKeyRef."
    )


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("DB_PASSWORD", "hunter2", "its name marks a credential"),
        ("githubToken", "abc", "its name marks a credential"),
        ("API_KEY", "abc", "its name marks a credential"),
        ("X", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
         "its value is a high-entropy string (4.7 bits per character)"),
        ("DATABASE_URL", "postgres://app:s3cret@db:5432/app",
         "its value looks like a URL with an embedded password"),
        ("AWS_ID", "AKIAIOSFODNN7EXAMPLE", "its value looks like an AWS access key id"),
        ("CERT", "-----BEGIN RSA PRIVATE KEY-----\nMII...", "its value looks like a private key"),
    ],
)
def test_fails_for_credential_looking_env(name: str, value: str, reason: str) -> None:
    assert check_env_secrets(with_env((name, value)), {}) == [env_message(0, name, reason)]


@pytest.mark.parametrize(
    ("name", "value"),
    [("LOG_LEVEL", "info"), ("DB_PASSWORD", ""), ("MONKEY", "banana"),
     ("PAYMENTS_URL", "http://payments.shop.svc.cluster.local:8080/v1"),
     ("REQUEST_ID_HEADER", "x-request-id-for-tracing-purposes"),
     ("TOKEN_FILE", "$(TOKEN_PATH)")],
)
def test_passes_ordinary_env(name: str, value: str) -> None:
    assert check_env_secrets(with_env((name, value)), {}) == []


def test_secret_key_refs_are_fine() -> None:
    d = deployment()
    d["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}
    ]
    assert check_env_secrets(d, {}) == []


def test_allowed_names_and_patterns_are_tunable() -> None:
    d = with_env(("SIGNING_KEY_ID", "k-2026"))
    assert len(check_env_secrets(d, {})) == 1
    assert check_env_secrets(d, {"allowedNames": ["SIGNING_KEY_ID"]}) == []
    assert check_env_secrets(with_env(("PIN", "1234")), {"namePatterns": ["^PIN$"]}) == [
        env_message(0, "PIN", "its name marks a credential")
    ]
    with pytest.raises(ConfigError, match="namePatterns entry is not a regular expression"):
        check_env_secrets(d, {"namePatterns": ["("]})


def test_unknown_env_value_is_deferred() -> None:
    out = check_env_secrets(with_env(("DB_PASSWORD", next(iter(UNKNOWN_SENTINELS)))), {})
    assert out == []
    assert out.unknown == [f"{ENV0}[0].value"]


def configmap(**data: str) -> dict[str, Any]:
    return {"kind": "ConfigMap", "metadata": {"name": "orders", "namespace": "shop"},
            "data": data, "binaryData": {"api_token": "c2VjcmV0"}}


def test_configmap_entries_that_look_like_credentials_fail() -> None:
    assert check_configmap_secrets(configmap(LOG_LEVEL="debug", DB_PASSWORD="x"), {}) == [
        "ConfigMap 'shop/orders': data.DB_PASSWORD holds a plaintext value and its name marks a "
        "credential. Move it to a Secret (or an ExternalSecret) and mount or reference it from "
        "there.",
        "ConfigMap 'shop/orders': binaryData.api_token holds a plaintext value and its name marks "
        "a credential. Move it to a Secret (or an ExternalSecret) and mount or reference it from "
        "there.",
    ]


def test_configmap_without_data_passes() -> None:
    assert check_configmap_secrets({"kind": "ConfigMap", "metadata": {"name": "x"}}, {}) == []


def service(kind: str, name: str = "edge", namespace: str = "gateway") -> dict[str, Any]:
    return {"kind": "Service", "metadata": {"name": name, "namespace": namespace},
            "spec": {"type": kind, "selector": {"app": "edge"}}}


@pytest.mark.parametrize("kind", ["LoadBalancer", "NodePort"])
def test_exposed_services_fail_unless_allowed(kind: str) -> None:
    assert check_service_exposure(service(kind), {}) == [
        f"Service 'gateway/edge': spec.type is {kind}, which exposes it outside the cluster, and "
        f"gateway/edge is not in the policy config's allow{kind}. Use ClusterIP behind the "
        f"gateway, or add 'gateway/edge' to allow{kind}."
    ]
    assert check_service_exposure(service(kind), {f"allow{kind}": ["gateway/edge"]}) == []
    assert check_service_exposure(service(kind), {f"allow{kind}": ["gateway/*"]}) == []
    assert len(check_service_exposure(service(kind), {f"allow{kind}": ["other/*"]})) == 1


def test_cluster_ip_and_default_type_pass() -> None:
    assert check_service_exposure(service("ClusterIP"), {}) == []
    assert check_service_exposure({"kind": "Service", "metadata": {"name": "a"}}, {}) == []


def test_unknown_service_type_is_deferred() -> None:
    out = check_service_exposure(service(next(iter(UNKNOWN_SENTINELS))), {})
    assert out == []
    assert out.unknown == ["spec.type"]


# --- files embedded in ConfigMaps -----------------------------------------------------------

@pytest.mark.parametrize(
    ("key", "text", "format_", "where"),
    [("app.env", "LOG_LEVEL=info\n# comment\nexport DB_PASSWORD=hunter2\n", "key=value",
      "DB_PASSWORD (line 3)"),
     ("app.properties", "server.port=8080\nspring.datasource.password = hunter2\n", "key=value",
      "spring.datasource.password (line 2)"),
     ("config.json", '{"db": {"host": "db", "password": "hunter2"}}', "JSON", "db.password"),
     ("config.yaml", "db:\n  host: db\nclients:\n  - name: a\n    token: abc\n", "YAML",
      "clients[0].token"),
     ("settings.ini", "[db]\nhost = db\napi_key = abc\n", "key=value", "api_key (line 3)"),
     ("notes.txt", "first line\nAWS AKIAABCDEFGHIJKLMNOP here\n", None, None)],
)
def test_credentials_inside_embedded_files_are_found(
    key: str, text: str, format_: str | None, where: str | None
) -> None:
    cm = configmap(**{key: text})
    del cm["binaryData"]
    (message,) = check_configmap_secrets(cm, {})
    if format_ is None:  # no entries: the known format is found in the whole value
        assert f"data.{key} holds a plaintext value and its value looks like an AWS access key" \
            in message
    else:
        assert f"data.{key} is a {format_} file whose entry {where} holds a plaintext value" \
            in message


@pytest.mark.parametrize(
    "text",
    ['{"title": "orders", "panels": [{"type": "graph", "expr": "sum(rate(x[5m]))"}]}',
     "LOG_LEVEL=info\nDB_PASSWORD=${DB_PASSWORD}\nFEATURE_X=true\n",
     "db:\n  host: db\n  passwordFile: /run/secrets/db\n"],
)
def test_ordinary_embedded_files_pass(text: str) -> None:
    cm = configmap(**{"file": text})
    del cm["binaryData"]
    assert check_configmap_secrets(cm, {"allowedNames": ["passwordFile"]}) == []


# --- externalIPs ----------------------------------------------------------------------------

def test_a_service_with_external_ips_is_refused_unless_allowed() -> None:
    svc = service("ClusterIP")
    svc["spec"]["externalIPs"] = ["203.0.113.10"]
    assert check_external_ips(svc, {}) == [
        "Service 'gateway/edge': spec.externalIPs (203.0.113.10) makes the cluster send traffic "
        "for those addresses to this Service's pods, so it can intercept traffic meant for them "
        "(CVE-2020-8554). Remove externalIPs and use a LoadBalancer or the gateway, or add "
        "'gateway/edge' to allowExternalIPs."]
    assert check_external_ips(svc, {"allowExternalIPs": ["gateway/*"]}) == []
    assert check_external_ips(service("ClusterIP"), {}) == []
    svc["spec"]["externalIPs"] = []
    assert check_external_ips(svc, {}) == []
