"""slipway-k8s-workload-seccomp-restricted: RuntimeDefault or Localhost, own or the pod's."""

from __future__ import annotations

import pytest

from policy_fixtures import FIELDS, KINDS, control, ctx, fired, pod_ctx, spec, where, who, workload

RULE = control("seccomp-restricted")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("field", "title"), [
    ("containers", "container 'app'"), ("initContainers", "init container 'setup'"),
    ("ephemeralContainers", "ephemeral container 'debug'")])
def test_a_container_without_a_profile_of_its_own_or_the_pods_is_refused(
    kind: str, field: str, title: str
) -> None:
    r = workload(kind)
    del pod_ctx(r)["seccompProfile"]
    for other in FIELDS:
        if other != field:
            ctx(r, other)["seccompProfile"] = {"type": "Localhost", "localhostProfile": "p.json"}
    assert RULE.check(r, {}) == [
        f"{who(kind)}: {title} has no seccomp profile "
        f"({where(kind, 'securityContext', 'seccompProfile', 'type')} is not set, nor on the "
        "pod). Set seccompProfile: {type: RuntimeDefault} on the pod or the container."]
    assert fired(r) == {RULE.rule}


def test_the_containers_profile_overrides_the_pods() -> None:
    r = workload("StatefulSet")
    ctx(r)["seccompProfile"] = {"type": "Unconfined"}
    (message,) = RULE.check(r, {})
    assert "(spec.template.spec.containers[0].securityContext.seccompProfile.type is " \
        "'Unconfined')" in message


def test_windows_pods_are_exempt() -> None:
    r = workload("Deployment")
    del pod_ctx(r)["seccompProfile"]
    spec(r)["os"] = {"name": "windows"}
    assert RULE.check(r, {}) == []
