"""slipway-k8s-workload-run-as-non-root-user (restricted): runAsUser is never 0."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, pod_ctx, where, workload

RULE = control("run-as-non-root-user")


@pytest.mark.parametrize("kind", KINDS)
def test_a_pod_running_as_uid_0_is_refused(kind: str) -> None:
    r = workload(kind)
    pod_ctx(r)["runAsUser"] = 0
    (message,) = RULE.check(r, {})
    assert where(kind, "securityContext", "runAsUser") in message
    assert fired(r) == {RULE.rule}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
def test_a_container_running_as_uid_0_is_refused_even_with_run_as_non_root(
    kind: str, field: str
) -> None:
    r = workload(kind)
    ctx(r, field).update(runAsUser=0, runAsNonRoot=True)
    (message,) = RULE.check(r, {})
    assert where(kind, field, 0, "securityContext", "runAsUser") in message


def test_missing_uid_passes() -> None:
    r = workload("Pod")
    del pod_ctx(r)["runAsUser"]
    assert RULE.check(r, {}) == []
