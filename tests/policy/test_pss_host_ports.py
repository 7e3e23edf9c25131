"""slipway-k8s-workload-host-ports (baseline): no host port unless allowed in the config."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, UNKNOWN, control, fired, spec, where, workload

RULE = control("host-ports")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
def test_a_host_port_is_refused(kind: str, field: str) -> None:
    r = workload(kind)
    spec(r)[field][0]["ports"][0]["hostPort"] = 8080
    (message,) = RULE.check(r, {})
    assert f"binds host port 8080 ({where(kind, field, 0, 'ports', 0, 'hostPort')})" in message
    assert fired(r) == {RULE.rule}


def test_host_port_zero_missing_or_allowed_passes_and_unknown_is_deferred() -> None:
    r = workload("Deployment")
    spec(r)["containers"][0]["ports"][0]["hostPort"] = 0
    assert RULE.check(r, {}) == []
    spec(r)["containers"][0]["ports"][0]["hostPort"] = 9100
    assert RULE.check(r, {"allowedHostPorts": [9100]}) == []
    spec(r)["containers"][0]["ports"][0]["hostPort"] = UNKNOWN
    out = RULE.check(r, {})
    assert out == [] and out.unknown == ["spec.template.spec.containers[0].ports[0].hostPort"]
