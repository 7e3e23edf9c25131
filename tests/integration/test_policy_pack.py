"""The policy pack in the real engine: `pulumi preview --policy-pack policy`.

(a) The example catalog passes with no violation: the dev stack with dev.json (advisory) and
    with dev.json made mandatory, the prod stack with prod.json.
(b) A program of deliberately insecure raw pulumi-kubernetes resources (insecure_program/),
    one per rule: every rule is reported, by name, on the resource made to break it; advisory
    the preview still succeeds, mandatory it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from engine_project import ROOT, Project, render_prod_without_aws, require_toolchain
from rules import config as pack_config
from rules.pack import RULE_NAMES

POLICY = ROOT / "policy"
INSECURE = Path(__file__).parent / "insecure_program"
INSECURE_STACK = "insecure"
# "- [mandatory] [severity: high]  <rule>  (<type>: <resource name>)", as the CLI prints it.
FINDING = re.compile(
    r"^\s+- \[(?P<level>advisory|mandatory)\] \[severity: \w+\]\s+(?P<rule>\S+)\s+"
    r"\((?P<type>[^:]+:[^:]*:[^:]+): (?P<name>[^)]+)\)$",
    re.MULTILINE,
)
SIGNATURE_RULE = "slipway-k8s-workload-image-signature"
# Each rule, and the resource of insecure_program/__main__.py made to break it.
EXPECTED = {
    ("slipway-k8s-workload-probes", "no-probes"),
    ("slipway-k8s-workload-resources", "no-resources"),
    ("slipway-k8s-workload-image-digest", "tag-not-digest"),
    ("slipway-k8s-workload-image-registry", "untrusted-registry"),
    ("slipway-k8s-workload-image-latest", "latest-tag"),
    (SIGNATURE_RULE, "compliant"),
    ("slipway-k8s-workload-pod-security", "privileged"),
    ("slipway-k8s-workload-plaintext-secrets", "plaintext-env"),
    ("slipway-k8s-configmap-plaintext-secrets", "plaintext-config"),
    ("slipway-k8s-service-exposure", "load-balancer"),
    ("slipway-k8s-resource-exemptions", "bad-exemption"),
    ("slipway-k8s-workload-disruption-budget", "no-pdb"),
    ("slipway-k8s-workload-network-policy", "no-network-policy"),
    ("slipway-k8s-service-selector", "selects-nothing"),
    ("slipway-k8s-hpa-target", "hpa-without-target"),
    ("slipway-k8s-route-weights", "weights-not-100"),
    ("slipway-k8s-stack-freeze-window", f"slipway-insecure-{INSECURE_STACK}"),
    ("slipway-k8s-workload-prod-replicas", "one-replica"),
    ("slipway-k8s-workload-prod-zone-spread", "no-zone-spread"),
}
# Side effects that are right too: a :latest image is not pinned by digest either.
ALSO = {("slipway-k8s-workload-image-digest", "latest-tag")}


def preview(cwd: Path, stack: str, config: Path) -> subprocess.CompletedProcess[str]:
    """`pulumi preview` with the pack from the repo and a policy config file."""
    return subprocess.run(
        ["pulumi", "preview", "--stack", stack, "--cwd", str(cwd), "--non-interactive",
         "--color", "never", "--policy-pack", str(POLICY),
         "--policy-pack-config", str(config)],
        capture_output=True, text=True, check=False, env=dict(os.environ), timeout=300,
    )


def findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, str]]:
    return [m.groupdict() for m in FINDING.finditer(result.stdout)]


def write_config(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, indent=2))
    return path


def with_level(document: dict[str, Any], level: str) -> dict[str, Any]:
    """The config with every rule that is not disabled set to ``level``."""
    out: dict[str, Any] = json.loads(json.dumps(document))
    for entry in out.values():
        if entry.get("enforcementLevel") != "disabled":
            entry["enforcementLevel"] = level
    return out


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert findings(result) == [], output[-6000:]
    assert "Policies:" in result.stdout and "slipway-kubernetes@v0.1.0" in result.stdout
    assert "can't run policy" not in output  # nothing deferred, nothing crashed
    assert "error" not in output.lower(), output[-6000:]


# -- (a) the example catalog ---------------------------------------------------------------


def test_example_catalog_dev_stack_has_no_violation_advisory_or_mandatory(
    project: Project, tmp_path: Path
) -> None:
    project.stack("dev")
    dev = pack_config.load("dev")
    assert_clean(preview(project.path, "dev", POLICY / "config" / "dev.json"))
    mandatory = write_config(tmp_path / "dev-mandatory.json", with_level(dev, "mandatory"))
    assert_clean(preview(project.path, "dev", mandatory))


def test_example_catalog_prod_stack_has_no_violation_with_prod_config(project: Project) -> None:
    render_prod_without_aws(project)
    project.stack("prod")
    assert_clean(preview(project.path, "prod", POLICY / "config" / "prod.json"))


# -- (b) one insecure resource per rule ----------------------------------------------------


@pytest.fixture
def insecure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of insecure_program/ with the repo's virtualenv, its own backend and stack."""
    require_toolchain()
    program = tmp_path / "insecure_program"
    program.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy2(INSECURE / name, program / name)
    (program / ".venv").symlink_to(ROOT / ".venv")
    backend = tmp_path / "state"
    backend.mkdir()
    monkeypatch.setenv("PULUMI_BACKEND_URL", f"file://{backend}")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "insecure-program-test")
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    for command in (["stack", "init", INSECURE_STACK],
                    ["config", "set", "renderDir", str(tmp_path / "rendered")]):
        subprocess.run(["pulumi", *command, "--cwd", str(program), "--non-interactive"],
                       capture_output=True, text=True, check=True)
    return program


def insecure_config(tmp_path: Path, level: str) -> Path:
    """prod.json (every rule on) at ``level``, with a freeze window open on this stack."""
    document = with_level(pack_config.load("prod"), level)
    document["slipway-k8s-stack-freeze-window"].update(
        stacks=[INSECURE_STACK],
        windows=[{"start": "2000-01-01T00:00:00Z", "end": "2999-01-01T00:00:00Z",
                  "reason": "integration test freeze"}],
    )
    return write_config(tmp_path / f"insecure-{level}.json", document)


def reported(result: subprocess.CompletedProcess[str], level: str) -> set[tuple[str, str]]:
    found = findings(result)
    assert found, result.stdout[-6000:] + result.stderr[-3000:]
    assert {f["level"] for f in found} == {level}
    return {(f["rule"], f["name"]) for f in found}


def test_every_rule_is_reported_on_its_insecure_resource(insecure: Path, tmp_path: Path) -> None:
    result = preview(insecure, INSECURE_STACK, insecure_config(tmp_path, "advisory"))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    pairs = reported(result, "advisory")
    assert {rule for rule, _ in EXPECTED} == RULE_NAMES
    assert pairs >= EXPECTED
    # Nothing else fires, except the signature rule on every (unsigned) workload.
    assert {p for p in pairs if p[0] != SIGNATURE_RULE} == (
        {p for p in EXPECTED if p[0] != SIGNATURE_RULE} | ALSO)
    for rule in RULE_NAMES:
        assert rule in result.stdout


def test_mandatory_rules_fail_the_preview(insecure: Path, tmp_path: Path) -> None:
    result = preview(insecure, INSECURE_STACK, insecure_config(tmp_path, "mandatory"))
    assert result.returncode != 0, result.stdout[-6000:]
    assert reported(result, "mandatory") >= EXPECTED
    assert "error: preview failed" in result.stdout + result.stderr
