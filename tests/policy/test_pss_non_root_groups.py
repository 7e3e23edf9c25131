"""slipway-k8s-workload-non-root-groups (restricted, optional in the standard): no GID 0."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, pod_ctx, where, workload

RULE = control("non-root-groups")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("setting", [{"runAsGroup": 0}, {"fsGroup": 0},
                                     {"supplementalGroups": [1000, 0]}])
def test_the_root_group_on_the_pod_is_refused(kind: str, setting: dict[str, object]) -> None:
    r = workload(kind)
    pod_ctx(r).update(setting)
    (message,) = RULE.check(r, {})
    assert where(kind, "securityContext", next(iter(setting))) in message
    assert fired(r) == {RULE.rule}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
def test_a_container_in_the_root_group_is_refused(kind: str, field: str) -> None:
    r = workload(kind)
    ctx(r, field)["runAsGroup"] = 0
    (message,) = RULE.check(r, {})
    assert where(kind, field, 0, "securityContext", "runAsGroup") in message


def test_groups_left_out_pass() -> None:
    r = workload("Pod")
    del pod_ctx(r)["runAsGroup"], pod_ctx(r)["fsGroup"]
    assert RULE.check(r, {}) == []
