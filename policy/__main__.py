"""The Slipway Kubernetes policy pack: every rule from policy/rules, one PolicyPack.

Run by the Pulumi CLI: ``pulumi preview --policy-pack policy --policy-pack-config
policy/config/prod.json``. Enforcement levels and settings come from that config file; group
keys (rules.groups) are resolved and configured levels reported by rules.analyzer.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from rules import analyzer
from rules.pack import PACK_NAME, build_policies

analyzer.install()
PolicyPack(
    name=PACK_NAME,
    policies=build_policies(),  # type: ignore[arg-type, unused-ignore]
    enforcement_level=EnforcementLevel.ADVISORY,
)
