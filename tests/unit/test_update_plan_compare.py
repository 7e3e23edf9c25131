"""Comparing two update plans (tooling/plans.py) without the engine: what counts as drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from slipway.tooling import plans

URN = "urn:pulumi:prod::slipway::kubernetes:apps/v1:Deployment::api-deployment"
OTHER = "urn:pulumi:prod::slipway::kubernetes:core/v1:ConfigMap::api-config"
SECRET = {plans.SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270"}


def resource(image: str = "a", steps: tuple[str, ...] = ("update",),
             dependencies: tuple[str, ...] = (OTHER, "urn:x"), **extra: Any) -> dict[str, Any]:
    return {"goal": {"type": "kubernetes:apps/v1:Deployment", "name": "api-deployment",
                     "inputDiff": {"updates": {"image": image, **extra}},
                     "dependencies": list(dependencies),
                     "propertyDependencies": {"spec": list(dependencies)}},
            "steps": list(steps), "seed": "random", "state": {"generation": 1}}


def write(path: Path, resources: dict[str, Any], config: dict[str, Any] | None = None) -> Path:
    path.write_text(json.dumps({"manifest": {"time": str(path)}, "config": config or {},
                                "resourcePlans": resources}))
    return path


def test_identical_plans_with_other_seeds_and_dependency_order_do_not_differ(
        tmp_path: Path) -> None:
    first = write(tmp_path / "1.json", {URN: resource()})
    again = resource(dependencies=("urn:x", OTHER))
    again["seed"], again["state"] = "other", {"generation": 2}
    assert plans.differences(first, write(tmp_path / "2.json", {URN: again})) == []


def test_changed_inputs_steps_and_resources_are_differences(tmp_path: Path) -> None:
    checked = write(tmp_path / "1.json", {URN: resource()})
    assert plans.differences(checked, write(tmp_path / "2.json", {URN: resource("b")})) == [
        f"{URN}: planned inputs differ"]
    assert plans.differences(checked, write(tmp_path / "3.json",
                                            {URN: resource(steps=("replace",))})) == [
        f"{URN}: steps ['update'] -> ['replace']"]
    assert plans.differences(checked, write(tmp_path / "4.json", {
        URN: resource(), OTHER: resource(steps=("create",))})) == [
        f"{OTHER}: not in the checked plan (create)"]
    assert plans.differences(checked, write(tmp_path / "5.json", {})) == [
        f"{URN}: in the checked plan but no longer planned"]
    assert plans.differences(checked, write(tmp_path / "6.json", {URN: resource()},
                                            {"slipway:environment": "dev"})) == [
        "stack configuration differs from the checked plan"]


def test_secret_ciphertexts_are_compared_by_place_not_value(tmp_path: Path) -> None:
    first = write(tmp_path / "1.json", {URN: resource(token={**SECRET, "ciphertext": "x1"})})
    second = write(tmp_path / "2.json", {URN: resource(token={**SECRET, "ciphertext": "x2"})})
    plain = write(tmp_path / "3.json", {URN: resource(token="shown")})
    assert plans.differences(first, second) == []
    assert plans.differences(first, plain) == [f"{URN}: planned inputs differ"]


def test_plan_directory_is_outside_the_checkout_and_removed(tmp_path: Path) -> None:
    with plans.plan_directory() as directory:
        assert directory.is_dir()
        assert Path.cwd() not in directory.parents
    assert not directory.exists()
