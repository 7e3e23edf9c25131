"""slipway-k8s-workload-apparmor (baseline): no unconfined or unknown AppArmor profile."""

from __future__ import annotations

from typing import Any

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, pod_ctx, where, workload
from rules.k8s import template_path

RULE = control("apparmor")


@pytest.mark.parametrize("kind", KINDS)
def test_an_unconfined_pod_profile_is_refused(kind: str) -> None:
    r = workload(kind)
    pod_ctx(r)["appArmorProfile"] = {"type": "Unconfined"}
    (message,) = RULE.check(r, {})
    assert where(kind, "securityContext", "appArmorProfile", "type") in message
    assert fired(r) == {RULE.rule}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
def test_an_unconfined_container_profile_is_refused(kind: str, field: str) -> None:
    r = workload(kind)
    ctx(r, field)["appArmorProfile"] = {"type": "Unconfined"}
    (message,) = RULE.check(r, {})
    assert where(kind, field, 0, "securityContext", "appArmorProfile", "type") in message


@pytest.mark.parametrize("kind", KINDS)
def test_an_unconfined_annotation_is_refused(kind: str) -> None:
    r = workload(kind)
    node: Any = r
    for part in (*template_path(kind), "metadata"):
        node = node[part]
    node["annotations"] = {"container.apparmor.security.beta.kubernetes.io/app": "unconfined",
                           "container.apparmor.security.beta.kubernetes.io/setup":
                               "localhost/k8s-nginx",
                           "container.apparmor.security.beta.kubernetes.io/debug":
                               "runtime/default"}
    (message,) = RULE.check(r, {})
    assert "sets AppArmor profile 'unconfined'" in message


def test_runtime_default_and_localhost_pass() -> None:
    r = workload("Deployment")
    pod_ctx(r)["appArmorProfile"] = {"type": "RuntimeDefault"}
    ctx(r)["appArmorProfile"] = {"type": "Localhost", "localhostProfile": "k8s-app"}
    assert RULE.check(r, {}) == []
