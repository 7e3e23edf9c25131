"""slipway-k8s-workload-host-namespaces (baseline): no hostNetwork, hostPID or hostIPC."""

from __future__ import annotations

import pytest

from policy_fixtures import KINDS, UNKNOWN, control, fired, spec, where, who, workload

RULE = control("host-namespaces")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("field", "what"),
                         [("hostNetwork", "network"), ("hostPID", "PID"), ("hostIPC", "IPC")])
def test_sharing_a_host_namespace_is_refused(kind: str, field: str, what: str) -> None:
    r = workload(kind)
    spec(r)[field] = True
    assert RULE.check(r, {}) == [
        f"{who(kind)}: {where(kind, field)} is true, sharing the node's {what} namespace. "
        f"Remove {field} or set it to false."]
    assert fired(r) == {RULE.rule}


def test_false_passes_and_unknown_is_deferred() -> None:
    r = workload("Deployment")
    spec(r).update(hostNetwork=False, hostPID=False, hostIPC=UNKNOWN)
    out = RULE.check(r, {})
    assert out == []
    assert out.unknown == ["spec.template.spec.hostIPC"]
