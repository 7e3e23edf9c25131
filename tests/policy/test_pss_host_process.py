"""slipway-k8s-workload-host-process (baseline): no Windows HostProcess pod or container."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, pod_ctx, where, who, workload

RULE = control("host-process")


@pytest.mark.parametrize("kind", KINDS)
def test_a_host_process_pod_is_refused(kind: str) -> None:
    r = workload(kind)
    pod_ctx(r)["windowsOptions"] = {"hostProcess": True}
    assert RULE.check(r, {}) == [
        f"{who(kind)}: the pod runs as a Windows HostProcess "
        f"({where(kind, 'securityContext', 'windowsOptions', 'hostProcess')} is true), with "
        "full access to the node. Remove hostProcess or set it to false."]
    assert fired(r) == {RULE.rule}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
def test_a_host_process_container_is_refused(kind: str, field: str) -> None:
    r = workload(kind)
    ctx(r, field)["windowsOptions"] = {"hostProcess": True}
    (message,) = RULE.check(r, {})
    assert where(kind, field, 0, "securityContext", "windowsOptions", "hostProcess") in message
    assert fired(r) == {RULE.rule}


def test_host_process_false_or_missing_passes() -> None:
    r = workload("Deployment")
    pod_ctx(r)["windowsOptions"] = {"hostProcess": False}
    ctx(r)["windowsOptions"] = {}
    assert RULE.check(r, {}) == []
