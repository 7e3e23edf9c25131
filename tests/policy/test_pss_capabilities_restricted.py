"""slipway-k8s-workload-capabilities-restricted: drop ALL, add back only NET_BIND_SERVICE."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, spec, where, workload

RULE = control("capabilities-restricted")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
def test_not_dropping_all_is_refused(kind: str, field: str) -> None:
    r = workload(kind)
    ctx(r, field)["capabilities"] = {"drop": ["NET_RAW"]}
    (message,) = RULE.check(r, {})
    assert f"({where(kind, field, 0, 'securityContext', 'capabilities', 'drop')} lacks 'ALL')" \
        in message
    assert fired(r) == {RULE.rule}


@pytest.mark.parametrize("kind", KINDS)
def test_missing_capabilities_are_refused(kind: str) -> None:
    r = workload(kind)
    del ctx(r, "initContainers")["capabilities"]
    assert len(RULE.check(r, {})) == 1


def test_only_net_bind_service_may_be_added_unless_configured() -> None:
    r = workload("Deployment")
    ctx(r)["capabilities"]["add"] = ["NET_BIND_SERVICE"]
    assert RULE.check(r, {}) == []
    ctx(r)["capabilities"]["add"] = ["NET_BIND_SERVICE", "CHOWN"]
    (message,) = RULE.check(r, {})
    assert "adds capabilities CHOWN" in message
    assert RULE.check(r, {"allowedCapabilities": ["CHOWN"]}) == []


def test_windows_pods_are_exempt() -> None:
    r = workload("Deployment")
    del ctx(r)["capabilities"]
    spec(r)["os"] = {"name": "windows"}
    assert RULE.check(r, {}) == []
