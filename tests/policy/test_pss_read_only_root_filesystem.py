"""slipway-k8s-workload-read-only-root-filesystem (Slipway, beyond the standard)."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, where, workload

RULE = control("read-only-root-filesystem")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("value", [False, None])
def test_a_writable_root_filesystem_is_refused(kind: str, field: str, value: object) -> None:
    r = workload(kind)
    if value is None:
        del ctx(r, field)["readOnlyRootFilesystem"]
    else:
        ctx(r, field)["readOnlyRootFilesystem"] = value
    (message,) = RULE.check(r, {})
    assert where(kind, field, 0, "securityContext", "readOnlyRootFilesystem") in message
    assert fired(r) == {RULE.rule}
