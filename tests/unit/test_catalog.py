"""The service catalog: loading a directory, cross-file checks, and the dependency graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from slipway.spec import Catalog, ServiceSpec, SpecError, load_catalog

DIGEST = "sha256:" + "fedcba9876543210" * 4


def service(name: str, extra: str = "") -> str:
    """A minimal valid service file, plus `extra` YAML lines."""
    return (
        f"name: {name}\nimage: registry.example.com/shop/{name}@{DIGEST}\nversion: 1.0.0\n"
        f"{extra}"
    )


def write(directory: Path, name: str, extra: str = "", *, suffix: str = ".yaml") -> None:
    (directory / f"{name}{suffix}").write_text(service(name, extra), encoding="utf-8")


def problems_of(directory: Path, environment: str | None = None) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_catalog(Path(directory.name), environment)
    return caught.value.problems


def shop(directory: Path) -> Catalog:
    """web -> orders, inventory; orders -> payments, inventory; reports stands alone."""
    write(directory, "web", "calls: [orders, inventory]\n")
    write(directory, "orders", "calls: [payments, inventory]\n")
    write(directory, "payments")
    write(directory, "inventory")
    write(directory, "reports")
    return load_catalog(Path("services"))


# --- loading ----------------------------------------------------------------------------------


def test_loads_every_yaml_and_yml_file_keyed_by_name(services: Path) -> None:
    write(services, "api")
    write(services, "worker", suffix=".yml")

    catalog = load_catalog(Path("services"))

    assert sorted(catalog.services) == ["api", "worker"]
    assert len(catalog) == 2
    assert catalog["api"].name == "api"
    assert sorted(s.name for s in catalog) == ["api", "worker"]
    assert catalog.sources == {"api": "services/api.yaml", "worker": "services/worker.yml"}


def test_ignores_schema_json_and_other_files(services: Path) -> None:
    write(services, "api")
    (services / "schema.json").write_text("{ not: [valid", encoding="utf-8")
    (services / "README.md").write_text("name: [", encoding="utf-8")

    assert list(load_catalog(Path("services")).services) == ["api"]


def test_fails_on_empty_directory(services: Path) -> None:
    assert problems_of(services) == ["services: holds no service files (*.yaml)"]


def test_fails_on_directory_holding_only_the_schema(services: Path) -> None:
    (services / "schema.json").write_text("{}", encoding="utf-8")
    assert problems_of(services) == ["services: holds no service files (*.yaml)"]


def test_fails_on_missing_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SpecError) as caught:
        load_catalog(Path("services"))
    assert caught.value.problems == ["services: no such catalog directory"]


def test_accepts_unquoted_numbers_for_quantities(services: Path) -> None:
    write(services, "api", "resources: {cpu: 2, memory: 1073741824, limits: {cpu: 4}}\n"
                           "scaling: {metrics: [{type: pods, name: rps, target: 50}]}\n")

    api = load_catalog(Path("services"))["api"]

    assert (api.resources.cpu, api.resources.memory, api.resources.limits.cpu) == (
        "2", "1073741824", "4",
    )
    assert api.scaling.metrics[0].target == "50"


def test_accepts_config_keys_with_credential_words_inside_other_words(services: Path) -> None:
    write(services, "api", "config: {MAX_TOKENS: 4096, TOKENIZER_MODEL: bpe}\n")

    assert load_catalog(Path("services"))["api"].config == {
        "MAX_TOKENS": 4096, "TOKENIZER_MODEL": "bpe",
    }


def test_applies_the_environment_to_every_file(services: Path) -> None:
    write(services, "api", "scaling: {min: 2, max: 8}\nenvironments: {prod: {scaling: {min: 4}}}\n")
    write(services, "web", "scaling: {min: 2, max: 8}\nenvironments: {pr: {scaling: {min: 1}}}\n")

    prod = load_catalog(Path("services"), "prod")
    preview = load_catalog(Path("services"), "pr-42")

    assert (prod["api"].scaling.min, prod["web"].scaling.min) == (4, 2)
    assert (preview["api"].scaling.min, preview["web"].scaling.min) == (2, 1)


# --- the dependency graph ---------------------------------------------------------------------


def test_callers_of_lists_callers_sorted(services: Path) -> None:
    catalog = shop(services)

    assert catalog.callers_of("inventory") == ["orders", "web"]
    assert catalog.callers_of("payments") == ["orders"]
    assert catalog.callers_of("web") == []
    assert catalog.callers_of("reports") == []


def test_in_dependency_order_puts_callees_first_ties_by_name(services: Path) -> None:
    catalog = shop(services)

    order = [s.name for s in catalog.in_dependency_order()]

    assert order == ["inventory", "payments", "orders", "reports", "web"]
    for spec in catalog:
        for callee in spec.callees:
            assert order.index(callee) < order.index(spec.name)


def test_in_dependency_order_does_not_depend_on_file_order(services: Path) -> None:
    first = [s.name for s in shop(services).in_dependency_order()]
    for path in services.iterdir():
        path.rename(path.with_suffix(".yml"))

    assert [s.name for s in load_catalog(Path("services")).in_dependency_order()] == first


def catalog_of(calls: dict[str, list[str]]) -> Catalog:
    """A Catalog built directly, keeping the (deliberately unsorted) order given."""
    return Catalog(services={
        name: ServiceSpec.model_validate({
            "name": name, "image": f"registry.example.com/shop/{name}@{DIGEST}",
            "version": "1.0.0", "calls": callees,
        })
        for name, callees in calls.items()
    })


def test_callers_of_is_sorted_whatever_the_catalog_order() -> None:
    catalog = catalog_of({"zeta": ["db"], "db": [], "alpha": ["db"], "mid": ["db"]})

    assert catalog.callers_of("db") == ["alpha", "mid", "zeta"]


def test_in_dependency_order_visits_services_and_callees_by_name() -> None:
    catalog = catalog_of({"zoo": [], "api": ["zeta", "beta"], "zeta": [], "beta": []})

    assert [s.name for s in catalog.in_dependency_order()] == ["beta", "zeta", "api", "zoo"]


def test_in_dependency_order_lists_each_service_once(services: Path) -> None:
    order = shop(services).in_dependency_order()
    assert len(order) == len({s.name for s in order}) == 5


# --- cross-file checks ------------------------------------------------------------------------


def test_reports_problems_of_several_files_together(services: Path) -> None:
    write(services, "api", "port: 80\n")
    write(services, "billing", "exposure: {public: true, host: shop.example.com}\n")
    write(services, "shop", "exposure: {public: true, host: shop.example.com, path: /}\n")
    write(services, "web", "scaling: {min: 5, max: 2}\nconfig: {API_TOKEN: t}\n")
    (services / "worker.yaml").write_text("- not a mapping\n", encoding="utf-8")

    assert problems_of(services) == [
        "services/api.yaml: port: must be from 1024 to 65535 (got 80); lower ports need root, "
        "which containers here never have",
        "services/web.yaml: scaling.min: must be <= scaling.max (got 5 > 2)",
        "services/web.yaml: config: key 'API_TOKEN' looks like a credential: list it under "
        "secrets instead, so its value never lands in a ConfigMap",
        "services/worker.yaml: line 1: must be a mapping of fields (name, image, version, ...), "
        "got a list",
        "services/shop.yaml: exposure: route shop.example.com/ is already served by 'billing' "
        "(services/billing.yaml); choose another host or path",
    ]


def test_reports_every_unknown_call(services: Path) -> None:
    write(services, "api", "calls: [ledger, web, billing]\n")
    write(services, "web")

    assert problems_of(services) == [
        "services/api.yaml: calls[0]: no service named 'ledger' in the catalog (known: api, web)",
        "services/api.yaml: calls[2]: no service named 'billing' in the catalog (known: api, web)",
    ]


def test_reports_two_service_cycle_once(services: Path) -> None:
    write(services, "orders", "calls: [payments]\n")
    write(services, "payments", "calls: [orders]\n")

    assert problems_of(services) == [
        "services/orders.yaml: calls: dependency cycle orders -> payments -> orders; rollouts "
        "are ordered callee-first, so one of these calls must go (or go through a queue)"
    ]


def test_reports_each_separate_cycle_once(services: Path) -> None:
    write(services, "a", "calls: [b]\n")
    write(services, "b", "calls: [a]\n")
    write(services, "c", "calls: [d]\n")
    write(services, "d", "calls: [e]\n")
    write(services, "e", "calls: [c]\n")
    write(services, "f", "calls: [a, c]\n")

    cycles = [line.split("dependency cycle ")[1].split(";")[0] for line in problems_of(services)]

    assert cycles == ["a -> b -> a", "c -> d -> e -> c"]


def test_reports_cycle_alongside_unknown_call(services: Path) -> None:
    write(services, "orders", "calls: [payments, ghost]\n")
    write(services, "payments", "calls: [orders]\n")

    problems = problems_of(services)

    assert len(problems) == 2
    assert problems[0].startswith("services/orders.yaml: calls[1]: no service named 'ghost'")
    assert "dependency cycle orders -> payments -> orders" in problems[1]


def test_duplicate_name_keeps_the_first_file(services: Path) -> None:
    write(services, "api")
    write(services, "api", suffix=".yml")

    assert problems_of(services) == [
        "services/api.yml: name: 'api' is already defined in services/api.yaml; service names "
        "must be unique"
    ]


@pytest.mark.parametrize(("first", "second"), [("/orders", "/orders/"), ("/orders/", "/orders"),
                                               ("/", "/"), ("/a/b", "/a/b/")])
def test_routes_equal_modulo_trailing_slash_clash(services: Path, first: str, second: str) -> None:
    route = "exposure: {{public: true, host: shop.example.com, path: {}}}\n"
    write(services, "orders", route.format(first))
    write(services, "web", route.format(second))

    assert problems_of(services) == [
        f"services/web.yaml: exposure: route shop.example.com{second} is already served by "
        "'orders' (services/orders.yaml); choose another host or path"
    ]


def test_routes_differing_in_host_or_path_do_not_clash(services: Path) -> None:
    write(services, "orders", "exposure: {public: true, host: shop.example.com, path: /orders}\n")
    write(services, "web", "exposure: {public: true, host: shop.example.com, path: /orders-v2}\n")
    write(services, "admin", "exposure: {public: true, host: admin.example.com, path: /orders}\n")
    write(services, "root", "exposure: {public: true, host: shop.example.com}\n")

    assert len(load_catalog(Path("services"))) == 4


def test_private_services_do_not_claim_routes(services: Path) -> None:
    write(services, "orders", "exposure: {public: true, host: shop.example.com, path: /orders}\n")
    write(services, "shadow", "exposure: {public: false, path: /orders}\n")

    assert len(load_catalog(Path("services"))) == 2


def test_private_service_naming_a_host_is_refused_without_a_route_clash(services: Path) -> None:
    write(services, "orders", "exposure: {public: true, host: shop.example.com, path: /orders}\n")
    write(services, "shadow", "exposure: {public: false, host: shop.example.com, path: /orders}\n")

    assert problems_of(services) == [
        "services/shadow.yaml: exposure.public: is false, so host would be ignored: set public: "
        "true or drop host"
    ]


def test_service_made_private_in_every_environment_leaves_the_route_free(
    services: Path,
) -> None:
    write(services, "orders", "exposure: {public: true, host: shop.example.com, path: /orders}\n")
    private = "{exposure: {public: false, host: null}}"
    write(services, "web", "exposure: {public: true, host: shop.example.com, path: /orders}\n"
                           f"environments: {{dev: {private}, prod: {private}, pr: {private}}}\n")

    assert len(load_catalog(Path("services"), "dev")) == 2


def test_route_clash_left_in_other_environments_fails_whichever_environment_loads(
    services: Path,
) -> None:
    write(services, "orders", "exposure: {public: true, host: shop.example.com, path: /orders}\n")
    write(services, "web", "exposure: {public: true, host: shop.example.com, path: /orders}\n"
                           "environments: {dev: {exposure: {public: false, host: null}}}\n")

    assert problems_of(services, "dev") == [
        "services/web.yaml: exposure: route shop.example.com/orders in prod and pr is already "
        "served by 'orders' (services/orders.yaml); choose another host or path"
    ]


def test_route_clash_introduced_by_an_override_names_the_override_whichever_environment_loads(
    services: Path,
) -> None:
    write(services, "orders", "exposure: {public: true, host: shop.example.com, path: /orders}\n")
    write(services, "web", "exposure: {public: true, host: shop.example.com, path: /}\n"
                           "environments: {prod: {exposure: {path: /orders}}}\n")

    expected = [
        "services/web.yaml: environments.prod.exposure.path: route shop.example.com/orders in "
        "prod is already served by 'orders' (services/orders.yaml); choose another host or path"
    ]
    assert problems_of(services, "prod") == expected
    assert problems_of(services, "dev") == expected


def test_route_clash_blames_the_service_whose_override_moved_onto_the_route(
    services: Path,
) -> None:
    write(services, "web", "exposure: {public: true, host: shop.example.com, path: /orders}\n")
    write(services, "admin", "exposure: {public: true, host: shop.example.com, path: /admin}\n"
                             "environments: {pr: {exposure: {path: /orders}}}\n")

    assert problems_of(services) == [
        "services/admin.yaml: environments.pr.exposure.path: route shop.example.com/orders in pr "
        "is already served by 'web' (services/web.yaml); choose another host or path"
    ]


# --- files that fail to load ------------------------------------------------------------------


PRIVILEGED_PORT = (
    "port: must be from 1024 to 65535 (got 80); lower ports need root, which containers here "
    "never have"
)


def test_calls_to_a_service_whose_file_failed_are_not_reported_again(services: Path) -> None:
    write(services, "api", "calls: [payments]\n")
    write(services, "web", "calls: [payments, api]\n")
    write(services, "payments", "port: 80\n")

    assert problems_of(services) == [f"services/payments.yaml: {PRIVILEGED_PORT}"]


def test_unknown_call_is_still_reported_next_to_a_broken_file(services: Path) -> None:
    write(services, "api", "calls: [payments, ghost]\n")
    write(services, "payments", "port: 80\n")

    assert problems_of(services) == [
        f"services/payments.yaml: {PRIVILEGED_PORT}",
        "services/api.yaml: calls[1]: no service named 'ghost' in the catalog (known: api)",
    ]


def test_call_to_a_file_broken_only_by_an_override_is_not_reported_again(services: Path) -> None:
    write(services, "api", "calls: [payments]\n")
    write(services, "payments", "environments: {prod: {port: 80}}\n")

    assert problems_of(services, "dev") == [
        f"services/payments.yaml: environments.prod.{PRIVILEGED_PORT}"
    ]


# --- environments -----------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ["staging", "pr-x", "PROD"])
def test_fails_on_environment_name_that_is_not_dev_prod_or_a_preview(
    services: Path, environment: str
) -> None:
    write(services, "api")

    with pytest.raises(ValueError, match=(
        rf"^environment must be dev, prod or pr-<number> \(got '{environment}'\)$"
    )) as caught:
        load_catalog(Path("services"), environment)

    assert caught.type is ValueError


@pytest.mark.parametrize("environment", [None, "dev", "pr-7"])
def test_override_broken_for_prod_fails_whichever_environment_is_loaded(
    services: Path, environment: str | None
) -> None:
    write(services, "api", "scaling: {min: 2, max: 6}\nenvironments: {prod: {scaling: {min: 8}}}\n")
    write(services, "web")

    assert problems_of(services, environment) == [
        "services/api.yaml: environments.prod.scaling.min: must be <= scaling.max (got 8 > 6)"
    ]


# --- Kubernetes names two services would share ----------------------------------------------


def test_names_of_different_kinds_do_not_clash(services: Path) -> None:
    # api's ConfigMap is api-config; the service api-config makes a Deployment, Service... of
    # that name, never a ConfigMap, so both can live in one namespace.
    write(services, "api", "config: {LOG_LEVEL: info}\n")
    write(services, "api-config")

    assert len(load_catalog(Path("services"))) == 2


def test_canary_objects_clash_with_a_service_of_that_name(services: Path) -> None:
    write(services, "orders", "release: {strategy: canary}\n")
    write(services, "orders-canary")

    assert problems_of(services) == [
        "services/orders.yaml: release.strategy: makes the Deployment, HorizontalPodAutoscaler, "
        "PodDisruptionBudget, Service and DestinationRule 'orders-canary', which "
        "'orders-canary' (services/orders-canary.yaml) makes too; in one namespace one would "
        "overwrite the other: rename one of the services"
    ]


def test_a_clash_only_an_override_makes_names_the_override_whichever_environment_loads(
    services: Path,
) -> None:
    write(services, "web", "environments: {pr: {release: {strategy: blue-green}}}\n")
    write(services, "web-blue")

    assert problems_of(services, "dev") == [
        "services/web.yaml: environments.pr.release.strategy: makes the Deployment, "
        "HorizontalPodAutoscaler and PodDisruptionBudget 'web-blue' in pr, which 'web-blue' "
        "(services/web-blue.yaml) makes too; in one namespace one would overwrite the other: "
        "rename one of the services"
    ]
