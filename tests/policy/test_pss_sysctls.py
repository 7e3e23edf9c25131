"""slipway-k8s-workload-sysctls (baseline): only the safe sysctls."""

from __future__ import annotations

import pytest

from policy_fixtures import KINDS, control, fired, pod_ctx, where, workload

RULE = control("sysctls")


@pytest.mark.parametrize("kind", KINDS)
def test_an_unsafe_sysctl_is_refused(kind: str) -> None:
    r = workload(kind)
    pod_ctx(r)["sysctls"] = [{"name": "net.ipv4.tcp_syncookies", "value": "1"},
                             {"name": "kernel.msgmax", "value": "65536"}]
    (message,) = RULE.check(r, {})
    assert f"sets sysctl 'kernel.msgmax' ({where(kind, 'securityContext', 'sysctls', 1, 'name')})" \
        in message
    assert fired(r) == {RULE.rule}


def test_safe_sysctls_pass_and_others_can_be_allowed() -> None:
    r = workload("Deployment")
    pod_ctx(r)["sysctls"] = [{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"},
                             {"name": "net.ipv4.tcp_keepalive_time", "value": "60"}]
    assert RULE.check(r, {}) == []
    pod_ctx(r)["sysctls"].append({"name": "kernel.msgmax", "value": "1"})
    assert RULE.check(r, {"allowedSysctls": ["kernel.msgmax"]}) == []
