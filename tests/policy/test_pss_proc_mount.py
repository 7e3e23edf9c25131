"""slipway-k8s-workload-proc-mount (baseline): /proc mount type Default only."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, where, workload

RULE = control("proc-mount")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
def test_an_unmasked_proc_mount_is_refused(kind: str, field: str) -> None:
    r = workload(kind)
    ctx(r, field)["procMount"] = "Unmasked"
    (message,) = RULE.check(r, {})
    assert f"({where(kind, field, 0, 'securityContext', 'procMount')} is 'Unmasked')" in message
    assert fired(r) == {RULE.rule}


def test_default_passes() -> None:
    r = workload("Job")
    ctx(r)["procMount"] = "Default"
    assert RULE.check(r, {}) == []
