"""slipway-k8s-workload-capabilities-baseline: only the baseline capabilities may be added."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, where, workload

RULE = control("capabilities-baseline")
RESTRICTED = control("capabilities-restricted")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
def test_adding_a_capability_outside_the_baseline_set_is_refused(kind: str, field: str) -> None:
    r = workload(kind)
    ctx(r, field)["capabilities"]["add"] = ["SYS_ADMIN", "CHOWN", "NET_ADMIN"]
    (message,) = RULE.check(r, {})
    assert "adds capabilities NET_ADMIN, SYS_ADMIN (" in message
    assert where(kind, field, 0, "securityContext", "capabilities", "add") in message
    assert fired(r) == {RULE.rule, RESTRICTED.rule}  # restricted refuses them too


def test_baseline_capabilities_pass_baseline_but_not_restricted() -> None:
    r = workload("Deployment")
    ctx(r)["capabilities"]["add"] = ["CHOWN", "NET_BIND_SERVICE", "SETUID"]
    assert RULE.check(r, {}) == []
    assert len(RESTRICTED.check(r, {})) == 1
