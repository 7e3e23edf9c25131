"""The program (__main__.py) under mocks: stacks, the example catalog, settings and secrets."""

from __future__ import annotations

import json
import runpy
import shutil
from pathlib import Path
from typing import Any

import pytest

from mocking import Registry, is_secret, run_under_mocks
from slipway import SpecError

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.stem for p in (ROOT / "services").glob("*.yaml"))
DEV = {
    "slipway:environment": "dev",
    "slipway:kubernetes": {"renderDir": "out/dev"},
    "slipway:secretStore": {"name": "slipway-dev"},
}

# Deploying to a cluster: secret values may come from stack secrets.
CLUSTER = {
    "slipway:environment": "dev",
    "slipway:kubernetes": {"context": "kind-slipway"},
}


def run_program(config: dict[str, Any], stack: str = "dev",
                registry: Registry | None = None) -> Registry:
    return run_under_mocks(lambda: runpy.run_path(str(ROOT / "__main__.py")), stack=stack,
                           config=config, registry=registry)


@pytest.fixture(autouse=True)
def _in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def deployment(registry: Registry, name: str) -> dict[str, Any]:
    return registry.one("kubernetes:apps/v1:Deployment", name).spec


def test_example_catalog_has_the_services_the_issue_asks_for() -> None:
    assert len(SERVICES) >= 5
    assert {"storefront", "orders", "payments", "fulfillment-worker",
            "recommendations"} <= set(SERVICES)


def test_the_registry_sees_resources_when_the_program_succeeds() -> None:
    # Guards the "nothing registered" assertions below against a registry that never records.
    registry = Registry()
    run_program(DEV, registry=registry)
    assert len(registry) > 40


def test_dev_stack_creates_one_microservice_per_service_file() -> None:
    registry = run_program(DEV)
    components = sorted(r.name for r in registry.of_type("slipway:index:Microservice"))
    assert components == SERVICES
    for name in SERVICES:
        component = next(r for r in registry.of_type("slipway:index:Microservice")
                         if r.name == name)
        kinds = {r.type.split(":")[-1] for r in registry.children_of(component)}
        assert {"ServiceAccount", "Deployment", "Service", "NetworkPolicy"} <= kinds, name


def test_everything_lives_in_the_program_owned_namespace() -> None:
    registry = run_program(DEV)
    namespace = registry.one("kubernetes:core/v1:Namespace")
    assert namespace.k8s_name == "slipway-dev"
    assert namespace.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == \
        "restricted"
    namespaced = [r for r in registry if r.type.startswith("kubernetes:")
                  and r.type not in ("kubernetes:core/v1:Namespace", "pulumi:providers:kubernetes")]
    assert namespaced
    assert {r.inputs["metadata"]["namespace"] for r in namespaced} == {"slipway-dev"}


def test_namespace_has_a_default_deny_policy() -> None:
    registry = run_program(DEV)
    deny = registry.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "default-deny")
    assert deny.spec == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_dev_renders_manifests_through_the_provider() -> None:
    registry = run_program(DEV)
    provider = registry.one("pulumi:providers:kubernetes")
    assert provider.inputs["renderYamlToDirectory"] == "out/dev"


def test_kube_context_deploys_instead_of_rendering() -> None:
    registry = run_program({**DEV, "slipway:kubernetes": {"context": "kind-slipway"}})
    provider = registry.one("pulumi:providers:kubernetes")
    assert provider.inputs["context"] == "kind-slipway"
    assert "renderYamlToDirectory" not in provider.inputs


def test_every_service_resource_uses_the_program_provider() -> None:
    registry = run_program(DEV)
    for component in registry.of_type("slipway:index:Microservice"):
        assert registry.children_of(component)


def test_prod_overrides_merge_onto_the_base_spec() -> None:
    registry = run_program({**DEV, "slipway:environment": "prod"}, stack="prod")
    orders_hpa = registry.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "orders").spec
    assert (orders_hpa["minReplicas"], orders_hpa["maxReplicas"]) == (6, 12)
    storefront = registry.one("kubernetes:core/v1:ConfigMap", "storefront-config")
    assert storefront.inputs["data"]["LOG_LEVEL"] == "warn"
    assert storefront.inputs["data"]["SESSION_TTL_SECONDS"] == "3600"


def test_pr_stacks_use_their_own_namespace_and_the_pr_override() -> None:
    registry = run_program({**DEV, "slipway:environment": "pr-42"}, stack="pr-42")
    assert registry.one("kubernetes:core/v1:Namespace").k8s_name == "pr-42"
    orders_hpa = registry.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "orders").spec
    assert (orders_hpa["minReplicas"], orders_hpa["maxReplicas"]) == (1, 2)
    # One replica at the minimum but autoscaled: a PDB that still lets that pod go, and
    # keeps a scaled-up Deployment draining one pod at a time.
    pdb = registry.one("kubernetes:policy/v1:PodDisruptionBudget", "orders").spec
    assert pdb["maxUnavailable"] == 1


def test_network_policies_follow_the_catalog_call_graph() -> None:
    registry = run_program(DEV)
    inventory = registry.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "inventory").spec
    callers = inventory["ingress"][0]["from"][0]["podSelector"]["matchExpressions"][0]["values"]
    assert callers == ["fulfillment-worker", "orders", "storefront"]
    orders = registry.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "orders").spec
    to_payments = [rule for rule in orders["egress"] if rule["to"][0].get("podSelector", {}).get(
        "matchLabels", {}).get("app.kubernetes.io/name") == "payments"]
    assert to_payments[0]["ports"] == [{"port": 9090, "protocol": "TCP"}]


def test_nobody_may_call_a_service_nobody_declares_calling() -> None:
    registry = run_program(DEV)
    policy = registry.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "recommendations")
    assert len(policy.spec["ingress"]) == 1  # monitoring only
    assert "podSelector" not in policy.spec["ingress"][0]["from"][0]


def test_services_roll_out_after_the_services_they_call() -> None:
    registry = run_program(DEV)
    deployments = {r.urn: r.k8s_name for r in registry.of_type("kubernetes:apps/v1:Deployment")}
    storefront = registry.one("kubernetes:apps/v1:Deployment", "storefront")
    waited_for = {deployments[urn] for urn in storefront.dependencies if urn in deployments}
    assert waited_for == {"orders", "inventory"}


def test_dev_secrets_come_from_the_store_and_never_through_pulumi() -> None:
    registry = run_program(DEV)
    assert registry.of_type("kubernetes:core/v1:Secret") == []
    orders = registry.one("kubernetes:external-secrets.io/v1:ExternalSecret", "orders-secrets")
    assert orders.spec["secretStoreRef"]["name"] == "slipway-dev"


def test_stack_secret_values_become_secret_inputs_and_stay_out_of_outputs() -> None:
    config = {**CLUSTER}
    config["slipway:secretValues"] = {
        "orders": {"DB_PASSWORD": "correct-horse-battery"},
        "payments": {"PSP_API_KEY": "psp-key-123", "WEBHOOK_SIGNING_KEY": "whsec-456"},
    }
    registry = run_program(config)
    secret = registry.one("kubernetes:core/v1:Secret", "orders-secrets")
    assert is_secret(secret.raw_inputs["stringData"])
    assert "correct-horse-battery" not in repr(registry.outputs)
    for resource in registry:
        if resource.type != "kubernetes:core/v1:Secret":
            assert "correct-horse-battery" not in repr(resource.raw_inputs)


def test_outputs_name_each_service_and_its_resources() -> None:
    registry = run_program(DEV)
    services = registry.outputs["services"]
    assert sorted(services) == SERVICES
    orders = services["orders"]
    assert orders["version"] == "1.8.3"
    assert orders["namespace"] == "slipway-dev"
    assert orders["image"].startswith("registry.example.com/shop/orders@sha256:")
    assert orders["resources"]["deployment"] == "orders"
    assert orders["resources"]["migrationJob"] == "orders-migrate-1-8-3"
    assert registry.outputs["environment"] == "dev"


# -- failures: a clear message and nothing registered --------------------------------------


def expect_failure(config: dict[str, Any], message: str, stack: str = "dev") -> None:
    registry = Registry()
    with pytest.raises(SpecError) as caught:
        run_program(config, stack=stack, registry=registry)
    assert message in str(caught.value)
    assert len(registry) == 0  # refused before the first resource


def test_fails_on_a_misspelt_setting() -> None:
    expect_failure({**DEV, "slipway:namespce": "x"},
                   "Pulumi.dev.yaml: slipway:namespce: unknown setting (did you mean "
                   "slipway:namespace?)")


def test_fails_without_a_kubernetes_target() -> None:
    expect_failure({"slipway:environment": "dev"},
                   "Pulumi.dev.yaml: slipway:kubernetes: is required")


def test_fails_with_two_kubernetes_targets() -> None:
    expect_failure({**DEV, "slipway:kubernetes": {"renderDir": "out", "context": "c"}},
                   "Pulumi.dev.yaml: slipway:kubernetes: set exactly one of renderDir")


def test_fails_on_a_bad_rollout_setting() -> None:
    expect_failure({**DEV, "slipway:rollout": {"maxSurge": "150%"}},
                   "Pulumi.dev.yaml: slipway:rollout.maxSurge:")


def test_fails_on_an_unknown_environment() -> None:
    expect_failure({**DEV, "slipway:environment": "staging"},
                   "Pulumi.dev.yaml: slipway:environment: string should match pattern")


def test_fails_when_a_secret_value_is_missing() -> None:
    expect_failure(CLUSTER, "Pulumi.dev.yaml: slipway:secretValues.orders.DB_PASSWORD: is not "
                   "set; run `pulumi config set --secret --path "
                   "'secretValues.orders.DB_PASSWORD' <value>`")


def test_fails_when_rendering_without_a_secret_store() -> None:
    config = {key: value for key, value in DEV.items() if key != "slipway:secretStore"}
    expect_failure(config, "Pulumi.dev.yaml: slipway:secretStore: is required when "
                   "kubernetes.renderDir is set: rendered manifests are plain files")


def test_fails_on_a_secret_value_for_an_unknown_service() -> None:
    expect_failure({**DEV, "slipway:secretValues": {"ghost": {"X": "y"}}},
                   "Pulumi.dev.yaml: slipway:secretValues.ghost: no service named 'ghost'")


def test_secret_value_errors_never_echo_the_value() -> None:
    with pytest.raises(SpecError) as caught:
        run_program({**DEV, "slipway:secretValues": {"orders": {"NOPE": "leak-me-not"}}})
    assert "leak-me-not" not in str(caught.value)
    assert "slipway:secretValues.orders.NOPE: services/orders.yaml declares no secret" in str(
        caught.value)


def test_invalid_catalog_registers_nothing(tmp_path: Path) -> None:
    catalog = tmp_path / "services"
    shutil.copytree(ROOT / "services", catalog)
    (catalog / "orders.yaml").write_text(
        (catalog / "orders.yaml").read_text().replace("min: 3, max: 12", "min: 30, max: 12"))
    registry = Registry()
    with pytest.raises(SpecError) as caught:
        run_program({**DEV, "slipway:catalog": str(catalog)}, registry=registry)
    assert "orders.yaml: scaling.min: must be <= scaling.max (got 30 > 12)" in str(caught.value)
    assert len(registry) == 0


STOREFRONT_OLD = {"version": "2.3.0",
                  "image": "registry.example.com/shop/storefront@sha256:" + "a" * 64}


def test_a_version_change_starts_the_canary_and_the_progress_is_exported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The tool hands over what the backend recorded: storefront runs 2.3.0, the file says 2.4.0.
    monkeypatch.setenv("SLIPWAY_RELEASE_PROGRESS", json.dumps(
        {"recorded": {"storefront": {"stable": STOREFRONT_OLD}}, "intent": {}}))
    registry = run_program(DEV)
    canary = deployment(registry, "storefront-canary")
    assert canary["template"]["spec"]["containers"][0]["image"].endswith(
        "d8d2b47b1df9f1c89905404b58d09eb1279660e0d19d6db83b9dcf8a07430ad8")
    assert deployment(registry, "storefront")["template"]["spec"]["containers"][0][
        "image"] == STOREFRONT_OLD["image"]
    storefront = registry.outputs["releases"]["storefront"]
    assert storefront["stable"] == STOREFRONT_OLD
    assert (storefront["candidate"]["version"], storefront["weight"]) == ("2.4.0", 1)
    # Services with nothing recorded run their file's version, recorded as stable.
    assert registry.outputs["releases"]["orders"]["stable"]["version"] == "1.8.3"
    # The monitoring objects carry what runs (2.3.0), not what the file asks for.
    monitor = registry.one("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "storefront")
    assert monitor.inputs["metadata"]["labels"]["app.kubernetes.io/version"] == "2.3.0"


def test_an_intent_from_the_tool_wins_over_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    intent = {"stable": STOREFRONT_OLD, "candidate": {
        "version": "2.4.0", "image": "registry.example.com/shop/storefront@sha256:" + "b" * 64},
        "weight": 25}
    monkeypatch.setenv("SLIPWAY_RELEASE_PROGRESS", json.dumps(
        {"recorded": {}, "intent": {"storefront": intent}}))
    registry = run_program(DEV)
    assert registry.outputs["releases"]["storefront"]["weight"] == 25


def test_a_major_bump_its_callers_do_not_accept_registers_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # orders runs 0.9.0 (recorded); the file asks for 1.8.3, which its plain callers never
    # said they work with.
    monkeypatch.setenv("SLIPWAY_RELEASE_PROGRESS", json.dumps({"recorded": {"orders": {
        "stable": {"version": "0.9.0",
                   "image": "registry.example.com/shop/orders@sha256:" + "c" * 64}}},
        "intent": {}}))
    registry = Registry()
    with pytest.raises(SpecError, match=r"services/orders.yaml: version: 1.8.3 is major 1 "
                       r"\(0.9.0 runs\), and callers are not ready: fulfillment-worker .*; "
                       r"storefront "):
        run_program(DEV, registry=registry)
    assert len(registry) == 0
