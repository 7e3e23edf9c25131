"""slipway-k8s-workload-privilege-escalation (restricted): allowPrivilegeEscalation false."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, UNKNOWN, control, ctx, fired, spec, where, workload

RULE = control("privilege-escalation")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", [True, None])
def test_escalation_allowed_or_not_set_is_refused(kind: str, field: str, value: object) -> None:
    r = workload(kind)
    if value is None:
        del ctx(r, field)["allowPrivilegeEscalation"]
    else:
        ctx(r, field)["allowPrivilegeEscalation"] = value
    (message,) = RULE.check(r, {})
    assert where(kind, field, 0, "securityContext", "allowPrivilegeEscalation") in message
    assert fired(r) == {RULE.rule}


def test_unknown_is_deferred_and_windows_is_exempt() -> None:
    r = workload("Deployment")
    ctx(r)["allowPrivilegeEscalation"] = UNKNOWN
    out = RULE.check(r, {})
    assert out == [] and out.unknown == [
        "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation"]
    ctx(r)["allowPrivilegeEscalation"] = True
    spec(r)["os"] = {"name": "windows"}
    assert RULE.check(r, {}) == []
