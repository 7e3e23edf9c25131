"""The synthetic check's alert, tested by Prometheus itself (`promtool test rules`): for every
public example service (prod overrides applied), probes that start failing fire
SlipwaySyntheticCheckFailing with its labels, and probes that succeed fire nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_slo_rules_promtool import promtool

from microservice_fixtures import render
from slipway import Environment, Peer
from slipway.spec import load_catalog
from slipway.synthetic_checks import ALERT

ROOT = Path(__file__).resolve().parents[2]
RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
PROD = Environment(name="prod", namespace="slipway-prod", observability=True)
CATALOG = load_catalog(ROOT / "services", "prod")
PUBLIC = sorted(spec.name for spec in CATALOG if spec.exposure.public)


def synthetic_groups(name: str) -> list[dict[str, Any]]:
    service = CATALOG[name]
    registry = render(service, environment=PROD,
                      calls=[Peer(callee, CATALOG[callee].port) for callee in service.callees],
                      secret_values={secret: "unused" for secret in service.secrets})
    return list(registry.one(RULE, f"{name}-synthetic").spec["groups"])


def run(tmp_path: Path, name: str, probes: str, firing: bool) -> subprocess.CompletedProcess[str]:
    """`probes`: probe_success once a minute in promtool's notation (1x30 0x30)."""
    groups = synthetic_groups(name)
    [rule] = groups[0]["rules"]
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    expected = [{"exp_labels": dict(rule["labels"]),
                 "exp_annotations": dict(rule["annotations"])}] if firing else []
    test = {"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m",
        "input_series": [{"series": f'probe_success{{namespace="{PROD.namespace}",'
                                    f'service="{name}",instance="probe"}}', "values": probes}],
        "alert_rule_test": [{"eval_time": "55m", "alertname": ALERT, "exp_alerts": expected}],
    }]}
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test, sort_keys=False))
    return subprocess.run([promtool(), "test", "rules", "test.yaml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_example_catalog_has_a_public_service() -> None:
    assert PUBLIC


@pytest.mark.parametrize("name", PUBLIC)
def test_probes_failing_for_twenty_minutes_fire_the_alert(name: str, tmp_path: Path) -> None:
    result = run(tmp_path, name, "1x35 0x25", firing=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", PUBLIC)
def test_succeeding_probes_fire_nothing(name: str, tmp_path: Path) -> None:
    result = run(tmp_path, name, "1x60", firing=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_harness_fails_when_a_firing_alert_is_not_expected(tmp_path: Path) -> None:
    result = run(tmp_path, PUBLIC[0], "1x35 0x25", firing=False)
    assert result.returncode != 0
    assert ALERT in result.stdout + result.stderr
