"""slipway-k8s-workload-host-path-volumes (baseline): no hostPath volume."""

from __future__ import annotations

import pytest

from policy_fixtures import KINDS, control, fired, spec, where, who, workload

RULE = control("host-path-volumes")


@pytest.mark.parametrize("kind", KINDS)
def test_a_host_path_volume_is_refused(kind: str) -> None:
    r = workload(kind)
    spec(r)["volumes"].append({"name": "root", "hostPath": {"path": "/"}})
    assert RULE.check(r, {}) == [
        f"{who(kind)}: volume 'root' is a hostPath ({where(kind, 'volumes', 2, 'hostPath')}), "
        "which exposes the node's files. Use an emptyDir, a ConfigMap, a Secret or a "
        "PersistentVolumeClaim instead."]
    assert fired(r) == {RULE.rule, control("volume-types").rule}


def test_no_volumes_pass() -> None:
    r = workload("Pod")
    del spec(r)["volumes"]
    assert RULE.check(r, {}) == []
