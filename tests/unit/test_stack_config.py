"""The one reader of `slipway:*` settings and its three sources.

The running program (public `pulumi.Config` plus the language host's PULUMI_CONFIG), the
Automation API (`stack.get_all_config()`) and the stack file all become a plain mapping of full
keys that `read_settings` validates the same way.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from mocking import run_under_mocks
from slipway import SpecError
from slipway.stack import (
    automation_config,
    program_config,
    read_settings,
    stack_file_config,
    stack_file_settings,
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "components" / "slipway"


def test_the_program_sees_known_and_misspelt_keys_through_public_api() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        seen.update(program_config())

    run_under_mocks(program, config={"slipway:environment": "dev", "slipway:namespce": "shop",
                                     "kubernetes:context": "kind"})
    assert seen == {"slipway:environment": "dev", "slipway:namespce": "shop"}
    with pytest.raises(SpecError, match=r"slipway:namespce: unknown setting \(did you mean "
                       r"slipway:namespace\?\)"):
        read_settings(seen, "Pulumi.dev.yaml")


class FakeStack:
    def get_all_config(self) -> dict[str, auto.ConfigValue]:
        return {"slipway:environment": auto.ConfigValue("dev"),
                "slipway:kubernetes": auto.ConfigValue('{"context": "kind"}'),
                "slipway:secretValues": auto.ConfigValue("[secret]", secret=True)}


def test_the_automation_api_source_leaves_secret_values_out() -> None:
    config = automation_config(FakeStack())  # type: ignore[arg-type]
    assert config == {"slipway:environment": "dev", "slipway:kubernetes": '{"context": "kind"}'}
    kubernetes = read_settings(config, "Pulumi.dev.yaml").kubernetes
    assert kubernetes is not None and kubernetes.context == "kind"


def test_the_stack_file_source_leaves_encrypted_values_out(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  slipway:environment: dev\n  slipway:kubernetes: {context: kind}\n"
        "  slipway:token:\n    secure: v1:abc\n", encoding="utf-8")
    config = stack_file_config(tmp_path / "Pulumi.dev.yaml")
    assert config == {"slipway:environment": "dev", "slipway:kubernetes": {"context": "kind"}}
    assert stack_file_settings(tmp_path, "dev").environment == "dev"


def test_a_missing_stack_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"Pulumi.qa.yaml: no such stack file in "):
        stack_file_settings(tmp_path, "qa")


def test_the_committed_stacks_read_from_their_files() -> None:
    assert stack_file_settings(ROOT, "dev").environment == "dev"
    prod = stack_file_settings(ROOT, "prod")
    assert prod.environment == "prod" and prod.aws is not None


def private_config_uses(source: str) -> list[str]:
    """Uses of the SDK's private config store (`pulumi.runtime.config.CONFIG`)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "pulumi.runtime.config":
            found += [alias.name for alias in node.names if alias.name == "CONFIG"]
        if isinstance(node, ast.Attribute) and node.attr == "CONFIG":
            found.append(ast.unparse(node))
    return found


def test_no_module_reads_the_sdk_private_config_store() -> None:
    sources = [*PACKAGE.rglob("*.py"), ROOT / "__main__.py"]
    assert {str(p): private_config_uses(p.read_text(encoding="utf-8")) for p in sources
            if private_config_uses(p.read_text(encoding="utf-8"))} == {}
    assert private_config_uses("from pulumi.runtime.config import CONFIG") == ["CONFIG"]
    assert private_config_uses("import pulumi\npulumi.runtime.config.CONFIG.get()") == [
        "pulumi.runtime.config.CONFIG"]
