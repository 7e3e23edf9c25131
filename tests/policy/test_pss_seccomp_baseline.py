"""slipway-k8s-workload-seccomp-baseline: no Unconfined seccomp profile."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, pod_ctx, where, workload

RULE = control("seccomp-baseline")
RESTRICTED = control("seccomp-restricted")


@pytest.mark.parametrize("kind", KINDS)
def test_an_unconfined_pod_is_refused(kind: str) -> None:
    r = workload(kind)
    pod_ctx(r)["seccompProfile"] = {"type": "Unconfined"}
    (message,) = RULE.check(r, {})
    assert where(kind, "securityContext", "seccompProfile", "type") in message
    assert fired(r) == {RULE.rule, RESTRICTED.rule}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
def test_an_unconfined_container_is_refused(kind: str, field: str) -> None:
    r = workload(kind)
    ctx(r, field)["seccompProfile"] = {"type": "Unconfined"}
    (message,) = RULE.check(r, {})
    assert where(kind, field, 0, "securityContext", "seccompProfile", "type") in message
    assert fired(r) == {RULE.rule, RESTRICTED.rule}


def test_no_profile_passes_baseline_but_not_restricted() -> None:
    r = workload("Deployment")
    del pod_ctx(r)["seccompProfile"]
    assert RULE.check(r, {}) == []
    assert len(RESTRICTED.check(r, {})) == 3  # each container
