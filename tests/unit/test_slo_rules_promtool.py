"""The generated SLO rules, tested by Prometheus itself (`promtool test rules`).

For every example service (services/, prod overrides applied), the PrometheusRule the
Microservice registers under mocks is written out as a rule file, and promtool evaluates it
against synthetic traffic: errors at 20x the budget fire the availability alerts (the page ones
first among them), half the budget fires nothing, and slow requests fire only the latency
alerts. promtool comes with Debian's `prometheus` package (.ci/run installs it).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from microservice_fixtures import render
from slipway import Environment, Peer, ServiceSpec, slo_alerts
from slipway.spec import load_catalog

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
PROD = Environment(name="prod", namespace="slipway-prod", observability=True)
CATALOG = load_catalog(ROOT / "services", "prod")
AVAILABILITY, LATENCY = "SlipwayAvailabilityBudgetBurn", "SlipwayLatencyBudgetBurn"
MINUTES = 360  # six hours of samples, one a minute
EVAL_TIME = "5h"


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: install Debian's prometheus package "
                    "(apt-get install prometheus; .ci/run does it)", pytrace=False)
    return found


def rule_groups(service: ServiceSpec) -> list[dict[str, Any]]:
    registry = render(service, environment=PROD,
                      calls=[Peer(callee, CATALOG[callee].port) for callee in service.callees],
                      secret_values={name: "unused" for name in service.secrets})
    return list(registry.one(PROMETHEUS_RULE, f"{service.name}-slo").spec["groups"])


def series(labels: dict[str, str], per_minute: float) -> dict[str, str]:
    """A counter growing by `per_minute` every minute, in promtool's expanding notation."""
    selector = ",".join(f'{key}="{value}"' for key, value in labels.items())
    name = labels.pop("__name__")
    return {"series": name + "{" + selector.replace(f'__name__="{name}",', "") + "}",
            "values": f"0+{per_minute:g}x{MINUTES}"}


def traffic(service: ServiceSpec, error_ratio: float, slow_ratio: float) -> list[dict[str, str]]:
    """100 requests a minute: `error_ratio` of them 5xx, `slow_ratio` slower than the SLO."""
    where = {"namespace": PROD.namespace, "service": service.name, "track": "stable"}
    le = slo_alerts.le_label(service.slo.latency.threshold_ms)
    return [
        series({"__name__": "http_requests_total", **where, "code": "500"}, 100 * error_ratio),
        series({"__name__": "http_requests_total", **where, "code": "200"},
               100 * (1 - error_ratio)),
        series({"__name__": "http_request_duration_seconds_bucket", **where, "le": le},
               100 * (1 - slow_ratio)),
        series({"__name__": "http_request_duration_seconds_bucket", **where, "le": "+Inf"}, 100),
    ]


def expected(groups: list[dict[str, Any]], alertname: str) -> list[dict[str, Any]]:
    """Every alert of that name, as promtool reports it firing (labels and annotations)."""
    alerts = [rule for group in groups for rule in group["rules"]
              if rule.get("alert") == alertname]
    return [{"exp_labels": dict(rule["labels"]), "exp_annotations": dict(rule["annotations"])}
            for rule in alerts]


def run_promtool(tmp_path: Path, groups: list[dict[str, Any]], input_series: list[Any],
                 alerts: dict[str, list[dict[str, Any]]]) -> subprocess.CompletedProcess[str]:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    test = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": input_series,
        "alert_rule_test": [{"eval_time": EVAL_TIME, "alertname": name, "exp_alerts": exp}
                            for name, exp in alerts.items()],
    }]}
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    return subprocess.run([promtool(), "test", "rules", "test.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)


SERVICES = sorted(CATALOG.services)


def test_the_example_catalog_is_covered() -> None:
    assert len(SERVICES) >= 6
    assert all(rule_groups(CATALOG[name]) for name in SERVICES)


@pytest.mark.parametrize("name", SERVICES)
def test_errors_at_20x_the_budget_fire_the_page_alerts(name: str, tmp_path: Path) -> None:
    service = CATALOG[name]
    groups = rule_groups(service)
    firing = expected(groups, AVAILABILITY)
    assert {a["exp_labels"]["severity"] for a in firing} >= {"page"}
    result = run_promtool(tmp_path, groups, traffic(service, 20 * service.slo.error_budget, 0),
                          {AVAILABILITY: firing, LATENCY: []})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize("name", SERVICES)
def test_half_the_budget_fires_nothing(name: str, tmp_path: Path) -> None:
    service = CATALOG[name]
    result = run_promtool(tmp_path, rule_groups(service),
                          traffic(service, service.slo.error_budget / 2,
                                  service.slo.latency_budget / 2),
                          {AVAILABILITY: [], LATENCY: []})
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", SERVICES)
def test_a_latency_burn_fires_only_the_latency_alerts(name: str, tmp_path: Path) -> None:
    service = CATALOG[name]
    groups = rule_groups(service)
    slow = min(1.0, 16 * service.slo.latency_budget)  # above the fastest burn (14.4x)
    result = run_promtool(tmp_path, groups, traffic(service, 0, slow),
                          {AVAILABILITY: [], LATENCY: expected(groups, LATENCY)})
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_fails_when_the_expected_alerts_are_wrong(tmp_path: Path) -> None:
    """The harness can fail: at 20x the budget, claiming nothing fires is refused."""
    service = CATALOG[SERVICES[0]]
    result = run_promtool(tmp_path, rule_groups(service),
                          traffic(service, 20 * service.slo.error_budget, 0),
                          {AVAILABILITY: [], LATENCY: []})
    assert result.returncode != 0
    assert AVAILABILITY in result.stdout + result.stderr
    assert 'severity="page"' in result.stdout + result.stderr
