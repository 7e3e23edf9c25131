"""slipway-k8s-workload-privileged (baseline): no privileged container."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, where, who, workload

RULE = control("privileged")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("field", "title"), [
    ("containers", "container 'app'"), ("initContainers", "init container 'setup'"),
    ("ephemeralContainers", "ephemeral container 'debug'")])
def test_a_privileged_container_is_refused(kind: str, field: str, title: str) -> None:
    r = workload(kind)
    ctx(r, field)["privileged"] = True
    assert RULE.check(r, {}) == [
        f"{who(kind)}: {title} is privileged "
        f"({where(kind, field, 0, 'securityContext', 'privileged')} is true), with every "
        "capability and the node's devices. Remove privileged: true; grant only the "
        "capabilities it needs."]
    assert fired(r) == {RULE.rule}


@pytest.mark.parametrize("field", FIELDS)
def test_privileged_false_or_missing_passes(field: str) -> None:
    r = workload("Pod")
    ctx(r, field)["privileged"] = False
    assert RULE.check(r, {}) == []
