"""Every Pod Security Standards rule: the compliant pod passes in every kind; a pod with no
security settings at all fails exactly the controls that require a setting."""

from __future__ import annotations

import pytest

from policy_fixtures import KINDS, UNKNOWN, control, fired, pod_ctx, spec, workload
from rules.k8s import pod_kind
from rules.pod_security import CONTROLS


@pytest.mark.parametrize("kind", KINDS)
def test_the_restricted_pod_passes_every_control_in_every_kind(kind: str) -> None:
    assert fired(workload(kind)) == set()


@pytest.mark.parametrize("kind", KINDS)
def test_a_pod_without_any_security_setting_fails_only_the_controls_that_require_one(
    kind: str,
) -> None:
    r = workload(kind)
    del spec(r)["securityContext"]
    for field in ("containers", "initContainers", "ephemeralContainers"):
        del spec(r)[field][0]["securityContext"]
    assert fired(r) == {f"slipway-k8s-workload-{name}" for name in (
        "privilege-escalation", "run-as-non-root", "seccomp-restricted",
        "capabilities-restricted", "read-only-root-filesystem")}


def test_other_kinds_and_missing_pod_specs_are_not_checked() -> None:
    for c in CONTROLS:
        assert c.check({"kind": "ConfigMap", "data": {"hostPID": "true"}}, {}) == []
        assert c.check({"kind": "Deployment", "metadata": {"name": "x"}}, {}) == []


def test_a_value_unknown_in_preview_is_deferred_not_passed() -> None:
    r = workload("Deployment")
    pod_ctx(r)["runAsNonRoot"] = UNKNOWN
    out = control("run-as-non-root").check(r, {})
    assert out == []
    assert out.unknown == ["spec.template.spec.securityContext.runAsNonRoot"]
    spec(r)["containers"] = UNKNOWN
    out = control("privileged").check(r, {})
    assert out == [] and "spec.template.spec.containers" in out.unknown


@pytest.mark.parametrize(("type_", "kind"), [
    ("kubernetes:apps/v1:Deployment", "Deployment"),
    ("kubernetes:apps/v1beta2:DaemonSet", "DaemonSet"),
    ("kubernetes:extensions/v1beta1:ReplicaSet", "ReplicaSet"),
    ("kubernetes:batch/v1beta1:CronJob", "CronJob"),
    ("kubernetes:core/v1:ReplicationController", "ReplicationController"),
    ("kubernetes:core/v1:PodTemplate", "PodTemplate"),
    ("kubernetes:core/v1:Pod", "Pod"),
    ("kubernetes:core/v1:ConfigMap", None),
    ("kubernetes:example.com/v1:Deployment", None),
    ("aws:ec2/instance:Instance", None),
])
def test_every_api_version_of_a_pod_holding_kind_is_checked(type_: str, kind: str | None) -> None:
    assert pod_kind(type_) == kind
