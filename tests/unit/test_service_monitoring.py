"""Per-service monitoring under mocks: ServiceMonitor, SLO PrometheusRule, RED dashboard."""

from __future__ import annotations

import json
import re
from typing import Any

from microservice_fixtures import COMPONENT, CONFIG_MAP, render, spec
from slipway import Environment, ReleaseRef, ReleaseState

SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
ON = Environment(name="prod", namespace="shop", observability=True)


def test_observability_off_creates_no_monitoring() -> None:
    registry = render(spec(), environment=Environment(name="dev", namespace="apps",
                                                     observability=False))
    assert not registry.of_type(SERVICE_MONITOR)
    assert not registry.of_type(PROMETHEUS_RULE)
    assert [r.k8s_name for r in registry.of_type(CONFIG_MAP)] == []


def test_service_monitor_scrapes_the_http_port_and_relabels_service_and_track() -> None:
    registry = render(spec(), environment=ON)
    monitor = registry.one(SERVICE_MONITOR, "api")
    assert monitor.inputs["metadata"]["namespace"] == "shop"
    assert monitor.spec["selector"] == {
        "matchLabels": {"app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "api-prod"},
        "matchExpressions": [{"key": "slipway.dev/route-backend", "operator": "DoesNotExist"}],
    }
    assert monitor.spec["namespaceSelector"] == {"matchNames": ["shop"]}
    endpoint = monitor.spec["endpoints"][0]
    assert endpoint["port"] == "http"
    assert endpoint["path"] == "/metrics"
    assert endpoint["interval"] == "30s"
    assert "scheme" not in endpoint
    assert endpoint["relabelings"] == [
        {"sourceLabels": ["__meta_kubernetes_pod_label_app_kubernetes_io_name"],
         "targetLabel": "service", "action": "replace"},
        {"sourceLabels": ["__meta_kubernetes_pod_label_slipway_dev_track"],
         "targetLabel": "track", "action": "replace"},
        {"sourceLabels": ["__meta_kubernetes_pod_label_slipway_dev_slot"], "regex": "(.+)",
         "targetLabel": "track", "action": "replace"},
    ]


def relabel(rules: list[dict[str, Any]], pod_labels: dict[str, str]) -> dict[str, str]:
    """Prometheus's `replace` relabeling (the only action used): the source labels' values
    joined by ";", matched against the anchored regex (default `(.*)`); on a match the target
    label becomes the replacement (default `$1`, an empty value removes it)."""
    discovered = {"__meta_kubernetes_pod_label_" + "".join(c if c.isalnum() else "_" for c in k):
                  v for k, v in pod_labels.items()}
    result: dict[str, str] = {}
    for rule in rules:
        assert rule["action"] == "replace"
        value = ";".join({**discovered, **result}.get(name, "") for name in rule["sourceLabels"])
        match = re.fullmatch(rule.get("regex", "(.*)"), value)
        if match is None:
            continue
        replaced = match.expand(rule.get("replacement", "$1").replace("$1", r"\1"))
        if replaced:
            result[rule["targetLabel"]] = replaced
        else:
            result.pop(rule["targetLabel"], None)
    return result


def test_metrics_carry_the_canary_track_or_the_blue_green_slot_as_track() -> None:
    rules = render(spec(), environment=ON).one(SERVICE_MONITOR, "api").spec[
        "endpoints"][0]["relabelings"]
    name = {"app.kubernetes.io/name": "api"}
    assert relabel(rules, {**name, "slipway.dev/track": "canary"}) == {
        "service": "api", "track": "canary"}
    # The idle slot's pods (behind api-preview) are told apart from the live slot's.
    assert relabel(rules, {**name, "slipway.dev/slot": "green"}) == {
        "service": "api", "track": "green"}
    assert relabel(rules, name) == {"service": "api"}


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels, Exists/DoesNotExist) against labels."""
    if any(labels.get(key) != value for key, value in selector["matchLabels"].items()):
        return False
    for expression in selector.get("matchExpressions", []):
        present = expression["key"] in labels
        if present != (expression["operator"] == "Exists"):
            return False
    return True


def test_during_a_canary_the_monitor_scrapes_each_pod_once_through_the_main_service() -> None:
    canary = spec(release={"strategy": "canary"})
    stable = ReleaseRef(version="1.0.0", image=canary.image)
    candidate = ReleaseRef(version="1.1.0", image=canary.image.replace("a" * 64, "b" * 64))
    registry = render(canary, environment=ON,
                      release=ReleaseState(stable=stable, candidate=candidate, weight=5))
    selector = registry.one(SERVICE_MONITOR, "api").spec["selector"]
    services = {s.k8s_name: s.inputs["metadata"]["labels"]
                for s in registry.of_type("kubernetes:core/v1:Service")}
    assert sorted(services) == ["api", "api-canary", "api-stable"]
    assert [name for name, labels in services.items() if selects(selector, labels)] == ["api"]


def test_the_monitor_s_port_is_a_port_of_the_service() -> None:
    registry = render(spec(), environment=ON)
    service_ports = [p["name"] for p in registry.one("kubernetes:core/v1:Service").spec["ports"]]
    port = registry.one(SERVICE_MONITOR).spec["endpoints"][0]["port"]
    assert port in service_ports


def test_metrics_path_and_interval_come_from_the_spec() -> None:
    registry = render(spec(metrics={"path": "/internal/metrics", "interval": "15s"}),
                      environment=ON)
    endpoint = registry.one(SERVICE_MONITOR).spec["endpoints"][0]
    assert (endpoint["path"], endpoint["interval"]) == ("/internal/metrics", "15s")


def test_with_the_mesh_prometheus_scrapes_through_istio_certificates() -> None:
    env = Environment(name="prod", namespace="shop", observability=True, mesh=True)
    endpoint = render(spec(), environment=env).one(SERVICE_MONITOR).spec["endpoints"][0]
    assert endpoint["scheme"] == "https"
    assert endpoint["tlsConfig"]["caFile"] == "/etc/prom-certs/root-cert.pem"
    assert endpoint["tlsConfig"]["keyFile"] == "/etc/prom-certs/key.pem"


def test_prometheus_rule_holds_slo_ratios_and_burn_rate_alerts_from_the_spec() -> None:
    registry = render(spec(slo={"availability": 99.5}), environment=ON)
    rule = registry.one(PROMETHEUS_RULE, "api-slo")
    groups = rule.spec["groups"]
    assert [g["name"] for g in groups] == ["slipway-api-slo-ratios", "slipway-api-slo-alerts"]
    first_alert = groups[1]["rules"][0]
    # 99.5%: budget 0.005; 14.4 x 0.005 = 0.072.
    assert first_alert["expr"].endswith("> 0.072")
    assert 'namespace="shop",service="api"' in first_alert["expr"]
    assert first_alert["labels"]["severity"] == "page"


def test_dashboard_config_map_is_labelled_for_grafana_and_shows_red() -> None:
    registry = render(spec(), environment=ON)
    config_map = registry.one(CONFIG_MAP, "api-dashboard")
    assert config_map.inputs["metadata"]["labels"]["grafana_dashboard"] == "1"
    board = json.loads(config_map.inputs["data"]["api.json"])
    titles = [p["title"] for p in board["panels"]]
    assert titles == ["Rate: requests per second", "Errors: share of 5xx",
                      "Duration: latency percentiles"]
    exprs = [t["expr"] for p in board["panels"] for t in p["targets"]]
    assert 'sum by (track) (rate(http_requests_total{namespace="shop",service="api"}[5m]))' \
        in exprs
    assert any(e.startswith("histogram_quantile(0.95, ") for e in exprs)
    assert "0.001" in exprs  # the error budget line
    assert "0.5" in exprs  # the latency threshold line, seconds


def test_monitoring_children_belong_to_the_microservice() -> None:
    registry = render(spec(), environment=ON)
    component = registry.one(COMPONENT)
    for token, name in ((SERVICE_MONITOR, "api"), (PROMETHEUS_RULE, "api-slo"),
                        (CONFIG_MAP, "api-dashboard")):
        assert registry.one(token, name).parent == component.urn


def test_resource_names_use_the_component_name() -> None:
    registry = render(spec(), environment=ON)
    names = {r.name for r in registry.of_type(SERVICE_MONITOR) + registry.of_type(
        PROMETHEUS_RULE)}
    assert names == {"api-service-monitor", "api-slo-rules"}
