"""slipway-k8s-workload-run-as-non-root (restricted): runAsNonRoot true, own or the pod's."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, pod_ctx, where, workload

RULE = control("run-as-non-root")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
def test_a_container_that_turns_it_off_is_refused(kind: str, field: str) -> None:
    r = workload(kind)
    ctx(r, field)["runAsNonRoot"] = False
    (message,) = RULE.check(r, {})
    assert f"({where(kind, field, 0, 'securityContext', 'runAsNonRoot')} is false)" in message
    assert fired(r) == {RULE.rule}


@pytest.mark.parametrize("kind", KINDS)
def test_not_set_on_the_pod_nor_the_containers_is_refused_even_with_a_uid(kind: str) -> None:
    r = workload(kind)
    del pod_ctx(r)["runAsNonRoot"]  # runAsUser 10001 is still set: the standard wants both
    assert len(RULE.check(r, {})) == 3


def test_set_on_every_container_instead_of_the_pod_passes() -> None:
    r = workload("DaemonSet")
    del pod_ctx(r)["runAsNonRoot"]
    for field in FIELDS:
        ctx(r, field)["runAsNonRoot"] = True
    assert RULE.check(r, {}) == []
