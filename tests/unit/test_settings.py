"""Stack settings: defaults, the Environment they build, and clear errors."""

from __future__ import annotations

import pytest
from stack_fixtures import settings_from

from slipway import SpecError
from slipway.stack import StackSettings, read_secret_values, read_settings
from slipway.stack.config import slipway_values

RENDER = {"renderDir": "out/dev"}


def parse(**values: object) -> StackSettings:
    return settings_from({"environment": "dev", "kubernetes": {"context": "kind"},
                                **values}, "Pulumi.dev.yaml")


def test_defaults_build_a_safe_environment() -> None:
    env = parse().to_environment()
    assert env.name == "dev"
    assert env.namespace == "slipway-dev"
    assert (env.max_surge, env.max_unavailable) == ("25%", 0)
    assert env.zone_spread == "ScheduleAnyway"
    assert env.monitoring.namespace == "monitoring"


def test_pr_stacks_default_to_a_namespace_named_after_the_pr() -> None:
    assert parse(environment="pr-17").to_environment().namespace == "pr-17"


def test_settings_reach_the_environment() -> None:
    env = parse(namespace="shop", rollout={"maxSurge": 2, "maxUnavailable": "10%"},
                revisionHistoryLimit=7, spread={"zone": "DoNotSchedule"},
                gateway={"namespace": "edge", "podLabels": {"app": "envoy"}}).to_environment()
    assert env.namespace == "shop"
    assert (env.max_surge, env.max_unavailable) == (2, "10%")
    assert env.revision_history_limit == 7
    assert env.zone_spread == "DoNotSchedule"
    assert (env.gateway.namespace, env.gateway.pod_labels) == ("edge", {"app": "envoy"})


def test_config_strings_are_accepted_for_numbers() -> None:
    assert parse(revisionHistoryLimit="4").revision_history_limit == 4


def test_secret_store_reference() -> None:
    store = parse(secretStore={"name": "vault", "keyPrefix": "shop"}).secret_store_ref()
    assert store is not None
    assert (store.name, store.kind, store.key_prefix) == ("vault", "ClusterSecretStore", "shop")
    assert parse().secret_store_ref() is None


def test_rendering_requires_a_secret_store() -> None:
    with pytest.raises(SpecError, match=r"Pulumi.dev.yaml: slipway:secretStore: is required "
                       r"when kubernetes.renderDir is set"):
        parse(kubernetes=RENDER)
    kubernetes = parse(kubernetes=RENDER, secretStore={"name": "s"}).kubernetes
    assert kubernetes is not None and kubernetes.render_dir == "out/dev"


def test_fails_on_unknown_nested_setting() -> None:
    with pytest.raises(SpecError, match=r"Pulumi.dev.yaml: slipway:kubernetes.renderdir: "
                       r"unknown field \(did you mean 'renderDir'\?\)"):
        parse(kubernetes={"renderdir": "out"})


def test_fails_on_bad_revision_history_limit() -> None:
    with pytest.raises(SpecError, match=r"slipway:revisionHistoryLimit: input should be less "
                       r"than or equal to 50 \(got 500\)"):
        parse(revisionHistoryLimit=500)


def test_secret_values_are_wrapped_one_by_one() -> None:
    values = read_secret_values({"slipway:secretValues": {"orders": {"DB_PASSWORD": "x"}}},
                                "Pulumi.dev.yaml")
    assert list(values) == ["orders"]
    assert list(values["orders"]) == ["DB_PASSWORD"]


def test_secret_inputs_refuse_bad_shapes_without_echoing_values() -> None:
    with pytest.raises(SpecError) as caught:
        read_secret_values({"slipway:secretValues": {"orders": {"DB_PASSWORD": ["sekrit-list"]},
                                                     "x": "sekrit"}}, "P.yaml")
    text = str(caught.value)
    assert "P.yaml: slipway:secretValues.orders.DB_PASSWORD: must be a string value" in text
    assert "P.yaml: slipway:secretValues.x: must be a mapping of secret name to value" in text
    assert "sekrit" not in text


def test_config_values_read_json_objects_and_keep_plain_strings() -> None:
    values = slipway_values({"slipway:a": '{"a": 1}', "slipway:b": "[1, 2]", "slipway:c": "dev",
                             "slipway:d": "{not json", "kubernetes:context": "kind"})
    assert values == {"a": {"a": 1}, "b": [1, 2], "c": "dev", "d": "{not json"}


def test_settings_read_the_same_from_a_stack_file_and_from_json_strings() -> None:
    as_objects = read_settings({"slipway:environment": "dev",
                                "slipway:kubernetes": {"context": "kind"},
                                "slipway:revisionHistoryLimit": 3}, "Pulumi.dev.yaml")
    as_strings = read_settings({"slipway:environment": "dev",
                                "slipway:kubernetes": '{"context": "kind"}',
                                "slipway:revisionHistoryLimit": "3"}, "Pulumi.dev.yaml")
    assert as_objects == as_strings
