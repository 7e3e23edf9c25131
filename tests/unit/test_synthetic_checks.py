"""Synthetic checks of public services (slipway.synthetic_checks) under mocks: the Probe through
the blackbox exporter, its alert, where they are parented, and the bad inputs."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from microservice_fixtures import COMPONENT, render, spec
from slipway import Environment, SpecError
from slipway.spec.loader import check_service, validate
from slipway.spec.synthetic import SyntheticCheck
from slipway.stack import read_settings
from slipway.tooling import deliver_run
from slipway.tooling.prometheus import ProbeHealth

PROBE = "kubernetes:monitoring.coreos.com/v1:Probe"
RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
ENV = Environment(name="prod", namespace="shop", observability=True)
PUBLIC: dict[str, Any] = {"exposure": {"public": True, "host": "shop.example.com",
                                       "path": "/store"}}


def test_a_public_service_gets_a_probe_of_its_public_path_through_the_blackbox_exporter() -> None:
    registry = render(spec(**PUBLIC), environment=ENV)
    probe = registry.one(PROBE, "api-synthetic")
    assert probe.inputs["metadata"]["namespace"] == "shop"
    assert probe.spec == {
        "jobName": "slipway-synthetic",
        "interval": "30s",
        "module": "http_2xx",
        "prober": {"url": "blackbox-exporter.monitoring.svc:9115", "scheme": "http",
                   "path": "/probe"},
        "targets": {"staticConfig": {"static": ["https://shop.example.com/store"],
                                     "labels": {"namespace": "shop", "service": "api"}}},
    }
    component = registry.one(COMPONENT)
    assert probe.parent == component.urn
    assert registry.one(RULE, "api-synthetic").parent == component.urn


def test_the_critical_path_interval_and_exporter_address_are_settable() -> None:
    service = spec(exposure={**PUBLIC["exposure"], "synthetic": {
        "path": "/store/checkout/health", "interval": "1m", "minSuccessRatio": 0.99}})
    env = Environment(name="prod", namespace="shop", blackbox_exporter="probes.infra:9115")
    probe = render(service, environment=env).one(PROBE).spec
    assert probe["targets"]["staticConfig"]["static"] == [
        "https://shop.example.com/store/checkout/health"]
    assert (probe["interval"], probe["prober"]["url"]) == ("1m", "probes.infra:9115")


def test_the_alert_fires_when_the_success_ratio_falls_below_the_floor() -> None:
    service = spec(exposure={**PUBLIC["exposure"], "synthetic": {"minSuccessRatio": 0.99}})
    [group] = render(service, environment=ENV).one(RULE, "api-synthetic").spec["groups"]
    [rule] = group["rules"]
    assert rule["alert"] == "SlipwaySyntheticCheckFailing"
    assert rule["expr"] == ('avg(avg_over_time(probe_success{namespace="shop",service="api"}'
                            '[10m])) < 0.99')
    assert rule["for"] == "5m"
    assert rule["labels"] == {"severity": "page", "service": "api", "namespace": "shop",
                              "check": "synthetic"}
    assert "https://shop.example.com/store" in rule["annotations"]["summary"]


def test_an_internal_service_gets_no_probe() -> None:
    registry = render(spec(), environment=ENV)
    assert registry.of_type(PROBE) == []
    assert [r.k8s_name for r in registry.of_type(RULE)] == ["api-slo"]


def test_no_probe_without_observability() -> None:
    registry = render(spec(**PUBLIC), environment=Environment(
        name="dev", namespace="shop", observability=False))
    assert registry.of_type(PROBE) == []


@pytest.mark.parametrize(("exposure", "problem"), [
    ({"synthetic": {}},
     "services/api.yaml: exposure.synthetic: checks the public host, and exposure.public is "
     "false: set public: true (with a host) or drop synthetic"),
    ({**PUBLIC["exposure"], "synthetic": {"interval": "30"}},
     "services/api.yaml: exposure.synthetic.interval: must be a duration from 1s to 5m "
     "written as seconds or minutes, e.g. 30s or 1m (got '30'); the alert judges the last 10 "
     "minutes, which must hold at least two probes"),
    ({**PUBLIC["exposure"], "synthetic": {"minSuccessRatio": 1.5}},
     "services/api.yaml: exposure.synthetic.minSuccessRatio: input should be less than or "
     "equal to 1 (got 1.5)"),
    ({**PUBLIC["exposure"], "synthetic": {"path": "health"}},
     "services/api.yaml: exposure.synthetic.path: must be a path starting with '/' made of "
     "letters, digits, '-', '_', '.' and '/', e.g. /orders (got 'health')"),
])
def test_bad_synthetic_settings_name_the_field(exposure: dict[str, Any], problem: str) -> None:
    document = {"name": "api", "image": "registry.example.com/team/api@sha256:" + "a" * 64,
                "version": "1.2.3", "exposure": exposure}
    with pytest.raises(SpecError) as caught:
        check_service(document, "services/api.yaml")
    assert caught.value.problems == [problem]


def test_a_blackbox_exporter_with_a_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match=r"blackbox_exporter must be host:port without a "
                       r"scheme, e\.g\. blackbox-exporter\.monitoring\.svc:9115 \(got "
                       r"'http://probes:9115'\)"):
        Environment(name="dev", namespace="shop", blackbox_exporter="http://probes:9115")


def test_the_stack_sets_the_exporter_address_from_its_observability_settings() -> None:
    config = {"slipway:environment": "prod", "slipway:kubernetes": {"context": "prod"},
              "slipway:platform": {"observability": {"blackboxExporter": "bb.monitoring:9115"}}}
    env = read_settings(config, "Pulumi.prod.yaml").to_environment()
    assert env.blackbox_exporter == "bb.monitoring:9115"
    bare = {"slipway:environment": "dev", "slipway:kubernetes": {"context": "dev"}}
    assert read_settings(bare, "Pulumi.dev.yaml").to_environment().blackbox_exporter == \
        "blackbox-exporter.monitoring.svc:9115"


def test_the_exporter_the_platform_installs_follows_its_monitoring_namespace() -> None:
    config = {"slipway:environment": "prod", "slipway:kubernetes": {"context": "prod"},
              "slipway:monitoring": {"namespace": "observability"},
              "slipway:platform": {"observability": {"enabled": True}}}
    env = read_settings(config, "Pulumi.prod.yaml").to_environment()
    assert env.blackbox_exporter == "blackbox-exporter.observability.svc:9115"
    config["slipway:platform"] = {"observability": {"enabled": False}}
    env = read_settings(config, "Pulumi.prod.yaml").to_environment()
    assert env.blackbox_exporter == "blackbox-exporter.monitoring.svc:9115"  # not installed


def test_a_bad_exporter_setting_names_the_stack_file_and_key() -> None:
    config = {"slipway:environment": "prod", "slipway:kubernetes": {"context": "prod"},
              "slipway:platform": {"observability": {"blackboxExporter": "http://bb:9115"}}}
    with pytest.raises(SpecError, match=r"Pulumi.prod.yaml: slipway:platform.observability."
                       r"blackboxExporter: must be host:port"):
        read_settings(config, "Pulumi.prod.yaml")


# -- per environment: `environments.<env>.exposure.synthetic`, merged like any exposure field --

OVERRIDDEN: dict[str, Any] = {
    "name": "api", "image": "registry.example.com/team/api@sha256:" + "a" * 64,
    "version": "1.2.3",
    "exposure": {**PUBLIC["exposure"], "synthetic": {"path": "/store/health"}},
    "environments": {"prod": {"exposure": {"synthetic": {"interval": "1m",
                                                         "minSuccessRatio": 0.99}}}}}


def test_an_environment_tunes_the_synthetic_check_and_keeps_the_rest_of_the_base() -> None:
    prod = validate(OVERRIDDEN, "services/api.yaml", environment="prod")
    dev = validate(OVERRIDDEN, "services/api.yaml", environment="dev")
    # Mappings merge: prod keeps the base's path and its public host.
    assert prod.exposure.synthetic_check == SyntheticCheck(
        path="/store/health", interval="1m", min_success_ratio=0.99)
    assert dev.exposure.synthetic_check == SyntheticCheck(path="/store/health")
    registry = render(prod, environment=ENV)
    probe = registry.one(PROBE).spec
    assert probe["interval"] == "1m"
    assert probe["targets"]["staticConfig"]["static"] == ["https://shop.example.com/store/health"]
    [group] = registry.one(RULE, "api-synthetic").spec["groups"]
    assert group["rules"][0]["expr"].endswith(" < 0.99")
    assert render(dev, environment=ENV).one(PROBE).spec["interval"] == "30s"


def test_deliver_judges_the_probes_against_the_environments_floor() -> None:
    prod = validate(OVERRIDDEN, "services/api.yaml", environment="prod")
    asked: list[tuple[str, str, str]] = []

    class Probes:
        def probe_success(self, namespace: str, service: str, window: str) -> float:
            asked.append((namespace, service, window))
            return 0.97  # above the default floor (0.95), below prod's (0.99)

    options: Any = SimpleNamespace(prometheus=Probes())
    run: Any = SimpleNamespace(options=options, observability=True, namespace="shop")
    probe = deliver_run._probe(run, prod, "30s")
    assert probe == ProbeHealth(0.97, 0.99, "https://shop.example.com/store/health")
    # Read over two of prod's 1m probe intervals, not the gate's 30s.
    assert asked == [("shop", "api", "120s")]


@pytest.mark.parametrize(("override", "problem"), [
    ({"exposure": {"synthetic": {"interval": "5h"}}},
     "services/api.yaml: environments.prod.exposure.synthetic.interval: must be a duration "
     "from 1s to 5m written as seconds or minutes, e.g. 30s or 1m (got '5h'); the alert judges "
     "the last 10 minutes, which must hold at least two probes"),
    ({"exposure": {"public": False, "host": None}},
     "services/api.yaml: environments.prod.exposure: this override makes exposure.synthetic "
     "invalid: checks the public host, and exposure.public is false: set public: true (with a "
     "host) or drop synthetic"),
])
def test_a_bad_synthetic_override_names_the_environment_and_field(
        override: dict[str, Any], problem: str) -> None:
    document = {**OVERRIDDEN, "environments": {"prod": override}}
    with pytest.raises(SpecError) as caught:
        check_service(document, "services/api.yaml")
    assert caught.value.problems == [problem]
