"""slipway-k8s-workload-selinux (baseline): container SELinux types only, no user or role."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, pod_ctx, where, workload

RULE = control("selinux")


@pytest.mark.parametrize("kind", KINDS)
def test_a_custom_pod_selinux_type_user_or_role_is_refused(kind: str) -> None:
    r = workload(kind)
    pod_ctx(r)["seLinuxOptions"] = {"type": "spc_t", "user": "system_u", "role": "sysadm_r"}
    out = RULE.check(r, {})
    assert len(out) == 3
    assert f"SELinux type 'spc_t' ({where(kind, 'securityContext', 'seLinuxOptions')}.type)" \
        in out[0]
    assert fired(r) == {RULE.rule}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("field", FIELDS)
def test_a_custom_container_selinux_type_is_refused(kind: str, field: str) -> None:
    r = workload(kind)
    ctx(r, field)["seLinuxOptions"] = {"type": "unconfined_t"}
    (message,) = RULE.check(r, {})
    assert where(kind, field, 0, "securityContext", "seLinuxOptions") in message


@pytest.mark.parametrize("kind_", ["container_t", "container_init_t", "container_kvm_t",
                                   "container_engine_t", ""])
def test_container_types_and_levels_pass(kind_: str) -> None:
    r = workload("Pod")
    ctx(r)["seLinuxOptions"] = {"type": kind_, "level": "s0:c123,c456", "user": ""}
    assert RULE.check(r, {}) == []
