"""The policy pack in the real engine: `pulumi preview --policy-pack policy`.

(a) The example catalog passes with no violation: the dev stack with dev.json (advisory) and
    with dev.json made mandatory, the prod stack with prod.json.
(b) A program of deliberately insecure raw pulumi-kubernetes resources (insecure_program/),
    one per rule, and every Pod Security Standards control broken in every kind that holds a
    pod: every rule is reported, by name, on the resources made to break it and nowhere else;
    advisory the preview still succeeds, mandatory it fails.
(c) What the engine shows: a rule set to `disabled` is reported disabled (neither passed nor
    failed), the freeze window holds only for the stacks it names, an unknown value's note
    names its resource, and prod without a trusted signing key fails saying how to add one.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from engine_project import ROOT, Project, render_prod_without_aws, require_toolchain
from rules import config as pack_config
from rules.groups import GROUPED
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
    ("slipway-k8s-workload-plaintext-secrets", "plaintext-env"),
    ("slipway-k8s-workload-command-secrets", "secret-in-args"),
    ("slipway-k8s-configmap-plaintext-secrets", "plaintext-config"),
    ("slipway-k8s-configmap-plaintext-secrets", "plaintext-env-file"),
    ("slipway-k8s-service-exposure", "load-balancer"),
    ("slipway-k8s-service-external-ips", "external-ips"),
    ("slipway-k8s-resource-exemptions", "bad-exemption"),
    ("slipway-k8s-resource-exemptions", "exemption-too-far"),
    ("slipway-k8s-workload-probes", "exemption-too-far"),
    ("slipway-k8s-resource-exemptions", "exemption-expired"),
    ("slipway-k8s-workload-probes", "exemption-expired"),
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
# The image rules cannot judge an image unknown during preview: the engine lists their
# "checked at update" notes under the resource, in the same format as findings.
DEFERRED = {(rule, "unknown-image") for rule in (
    "slipway-k8s-workload-image-digest", "slipway-k8s-workload-image-registry",
    "slipway-k8s-workload-image-latest", SIGNATURE_RULE)}
EXAMPLE_KEY = pack_config.load("dev")[SIGNATURE_RULE]["publicKeys"]


def matrix_module() -> ModuleType:
    """insecure_program/pod_security.py: the Pod Security Standards matrix it registers."""
    spec = importlib.util.spec_from_file_location("insecure_pod_security",
                                                  INSECURE / "pod_security.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_pod_security() -> set[tuple[str, str]]:
    """Each control's rule on each of its resources, plus the control a break implies."""
    matrix = matrix_module()
    expected = set()
    for control in matrix.BREAK:
        for kind in matrix.KINDS:
            for fired in (control, matrix.IMPLIES.get(control)):
                if fired:
                    expected.add((f"slipway-k8s-workload-{fired}", matrix.name(control, kind)))
    return expected


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
    # The project fixture provides prod's trusted key as the platform team would
    # (SLIPWAY_TRUSTED_KEYS, engine_project.trust_example_key).
    assert os.environ["SLIPWAY_TRUSTED_KEYS"]
    render_prod_without_aws(project)
    project.stack("prod")
    assert_clean(preview(project.path, "prod", POLICY / "config" / "prod.json"))


def test_prod_without_a_trusted_key_fails_saying_how_to_provide_one(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLIPWAY_TRUSTED_KEYS")
    render_prod_without_aws(project)
    project.stack("prod")
    result = preview(project.path, "prod", POLICY / "config" / "prod.json")
    assert result.returncode != 0
    found = findings(result)
    assert found and {f["rule"] for f in found} == {SIGNATURE_RULE}
    assert {f["level"] for f in found} == {"mandatory"}
    assert ("no trusted signing key is configured (publicKeyFiles entry "
            "'${SLIPWAY_TRUSTED_KEYS}': SLIPWAY_TRUSTED_KEYS is not set)") in result.stdout
    assert "set SLIPWAY_TRUSTED_KEYS to its path" in result.stdout


# -- (b) one insecure resource per rule ----------------------------------------------------


@pytest.fixture
def insecure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of insecure_program/ with the repo's virtualenv, its own backend and stack."""
    require_toolchain()
    program = tmp_path / "insecure_program"
    program.mkdir()
    for path in [INSECURE / "Pulumi.yaml", *INSECURE.glob("*.py")]:
        shutil.copy2(path, program / path.name)
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


def insecure_config(tmp_path: Path, level: str, frozen: str = INSECURE_STACK,
                    disabled: tuple[str, ...] = ()) -> Path:
    """prod.json (every rule on) at ``level``, a freeze window open on the stack ``frozen``,
    exemptions held to 30 days, the example key trusted, and the ``disabled`` rules off."""
    document = with_level(pack_config.load("prod"), level)
    document["slipway-k8s-stack-freeze-window"].update(
        stacks=[frozen],
        windows=[{"start": "2000-01-01T00:00:00Z", "end": "2999-01-01T00:00:00Z",
                  "reason": "integration test freeze"}],
    )
    document["slipway-k8s-resource-exemptions"]["maxDays"] = 30
    document[SIGNATURE_RULE].update(publicKeys=EXAMPLE_KEY, publicKeyFiles=[])
    for rule in disabled:
        document.setdefault(rule, {})["enforcementLevel"] = "disabled"
    return write_config(tmp_path / f"insecure-{level}-{frozen}.json", document)


def reported(result: subprocess.CompletedProcess[str], level: str) -> set[tuple[str, str]]:
    """(rule, resource) of every finding; each at ``level`` (notes of deferred checks are
    always advisory: pulumi-policy reports them so)."""
    found = findings(result)
    assert found, result.stdout[-6000:] + result.stderr[-3000:]
    assert {f["level"] for f in found if (f["rule"], f["name"]) not in DEFERRED} == {level}
    return {(f["rule"], f["name"]) for f in found}


def test_every_rule_is_reported_on_its_insecure_resource(insecure: Path, tmp_path: Path) -> None:
    result = preview(insecure, INSECURE_STACK, insecure_config(tmp_path, "advisory"))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    pairs = reported(result, "advisory")
    pod_security = expected_pod_security()
    assert {rule for rule, _ in EXPECTED | pod_security} == RULE_NAMES
    assert pairs >= EXPECTED | pod_security
    # The pod-security rules fire on their matrix resources and nowhere else.
    assert {p for p in pairs if p[0] in GROUPED} == pod_security
    # On the other resources nothing else fires, except the signature rule (nothing is signed).
    others = {p for p in pairs if not p[1].startswith("pss-") and p[0] != SIGNATURE_RULE}
    assert others == {p for p in EXPECTED | DEFERRED if p[0] != SIGNATURE_RULE} | ALSO
    # ... and what they deferred names the resource in the note.
    for rule, _ in DEFERRED:
        assert (f"can't run policy '{rule}' from policy pack 'slipway-kubernetes@v0.0.1' during "
                "preview: Deployment 'default/unknown-image': spec.template.spec.containers[0]."
                f"image unknown until update; {rule} checks it then") in result.stdout
    for rule in RULE_NAMES:
        assert rule in result.stdout


def test_mandatory_rules_fail_the_preview(insecure: Path, tmp_path: Path) -> None:
    result = preview(insecure, INSECURE_STACK, insecure_config(tmp_path, "mandatory"))
    assert result.returncode != 0, result.stdout[-6000:]
    assert reported(result, "mandatory") >= EXPECTED | expected_pod_security()
    assert "error: preview failed" in result.stdout + result.stderr


# -- (c) what the engine shows -----------------------------------------------------------------


def summaries(event_log: Path) -> list[dict[str, Any]]:
    """The engine's per-resource and stack policy summaries (passed / failed policy names)."""
    found = []
    for line in event_log.read_text().splitlines():
        event = json.loads(line)
        for key in ("policyAnalyzeSummaryEvent", "policyAnalyzeStackSummaryEvent"):
            if key in event:
                found.append(event[key])
    return found


def test_disabled_rules_show_disabled_and_the_freeze_holds_only_for_its_stacks(
    insecure: Path, tmp_path: Path
) -> None:
    disabled = ("slipway-k8s-workload-privileged", "slipway-k8s-workload-probes",
                "slipway-k8s-service-selector")
    config = insecure_config(tmp_path, "advisory", frozen="prod", disabled=disabled)
    event_log = tmp_path / "events.jsonl"
    result = subprocess.run(
        ["pulumi", "preview", "--stack", INSECURE_STACK, "--cwd", str(insecure),
         "--non-interactive", "--color", "never", "--policy-pack", str(POLICY),
         "--policy-pack-config", str(config), "--event-log", str(event_log)],
        capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "PULUMI_DEBUG_COMMANDS": "true"})  # --event-log needs it
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    rules = {rule for rule, _ in reported(result, "advisory")}
    assert not rules & set(disabled)
    # The freeze names prod only: this stack (its URNs say "insecure") is not frozen.
    assert "slipway-k8s-stack-freeze-window" not in rules
    # The engine lists a disabled rule neither as passed nor as failed on any resource.
    events = summaries(event_log)
    assert events
    listed = {name for e in events for name in e.get("passed", []) + e.get("failed", [])}
    assert not listed & set(disabled)
    assert {"slipway-k8s-workload-run-as-non-root", "slipway-k8s-workload-resources",
            "slipway-k8s-stack-freeze-window"} <= listed
