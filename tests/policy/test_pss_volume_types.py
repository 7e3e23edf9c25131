"""slipway-k8s-workload-volume-types (restricted): only the restricted volume types."""

from __future__ import annotations

import pytest

from policy_fixtures import KINDS, control, fired, spec, where, workload

RULE = control("volume-types")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("volume", [{"nfs": {"server": "nfs", "path": "/"}},
                                    {"gitRepo": {"repository": "https://example.com/r.git"}},
                                    {"awsElasticBlockStore": {"volumeID": "vol-1"}}])
def test_a_volume_type_outside_the_restricted_list_is_refused(
    kind: str, volume: dict[str, object]
) -> None:
    r = workload(kind)
    spec(r)["volumes"].append({"name": "data", **volume})
    (message,) = RULE.check(r, {})
    assert f"volume 'data' is of type {next(iter(volume))} ({where(kind, 'volumes', 2)})" \
        in message
    assert fired(r) == {RULE.rule}


def test_every_allowed_type_passes() -> None:
    r = workload("Pod")
    spec(r)["volumes"] = [{"name": t, t: {}} for t in (
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
        "projected", "secret")]
    assert RULE.check(r, {}) == []
