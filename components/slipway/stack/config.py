"""The one reader of `slipway:*` stack settings.

A stack's config reaches Slipway from three places: the running program (Pulumi hands it over),
the Automation API (`stack.get_all_config()`, for the release tool) and the stack file itself
(`Pulumi.<stack>.yaml`, for commands that need no engine). Each is first turned into a plain
mapping of full keys (`slipway:environment`, `kubernetes:context`, ...), then `read_settings`
validates the `slipway:` part into one `StackSettings`. Nothing else looks at `slipway:` keys.

Values arrive as objects (a stack file) or as strings with objects JSON-encoded (the program and
the Automation API); both read the same. Encrypted values (`secure:`) are never decoded here.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi import automation as auto
from pydantic import ValidationError

from ..spec.errors import SpecError, format_validation_error
from .settings import StackSettings

CONFIG_NAMESPACE = "slipway"
SECRET_VALUES = "secretValues"
"""`slipway:secretValues`: stack secrets per service, read by `read_secret_values` only."""


def key(name: str) -> str:
    """The full config key of one setting, as written in the stack file: `slipway:<name>`."""
    return f"{CONFIG_NAMESPACE}:{name}"


def setting_names() -> list[str]:
    """Every setting a stack may have, as written after `slipway:` (camelCase)."""
    names = [field.alias or name for name, field in StackSettings.model_fields.items()]
    return [*names, SECRET_VALUES]


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _encrypted(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def slipway_values(config: Mapping[str, Any]) -> dict[str, Any]:
    """The `slipway:` part of a config mapping, keyed by setting name, values decoded."""
    prefix = f"{CONFIG_NAMESPACE}:"
    values = {}
    for full_key, value in config.items():
        if full_key.startswith(prefix):
            # `slipway:config:<name>` is the older form some tools still write.
            name = full_key.removeprefix(prefix).removeprefix("config:")
            values[name] = _decode(value)
    return values


def read_settings(config: Mapping[str, Any], source: str) -> StackSettings:
    """Validate a stack's `slipway:*` settings (from any of the three sources) into one object.

    Unknown keys and bad values fail together, each line `<source>: slipway:<key>.<field>: ...`.
    Keys of other namespaces are not Slipway's and are ignored.
    """
    values = slipway_values(config)
    valid = setting_names()
    problems = []
    for name in sorted(values):
        if name not in valid:
            close = difflib.get_close_matches(name, valid, n=1)
            hint = f" (did you mean {key(close[0])}?)" if close else ""
            problems.append(f"{source}: {key(name)}: unknown setting{hint}; valid: "
                            + ", ".join(valid))
    if problems:
        raise SpecError(problems)
    try:
        return StackSettings.model_validate(
            {name: value for name, value in values.items() if name != SECRET_VALUES})
    except ValidationError as err:
        lines = format_validation_error(source, err, StackSettings)
        # Keys are namespaced in the stack file: say `slipway:key` as written there.
        prefix = f"{source}: "
        raise SpecError([prefix + key(line.removeprefix(prefix)) for line in lines]) from None


def read_secret_values(config: Mapping[str, Any],
                       source: str) -> dict[str, dict[str, pulumi.Output[str]]]:
    """`slipway:secretValues` as {service: {NAME: secret Output}}.

    Kept out of StackSettings on purpose: a validation message must never echo a value, so
    only the shape is checked here and every value is wrapped as a secret at once.
    """
    raw = slipway_values(config).get(SECRET_VALUES)
    if raw is None:
        return {}
    where = f"{source}: {key(SECRET_VALUES)}"
    if not isinstance(raw, dict):
        raise SpecError([f"{where}: must be a mapping of service name to {{NAME: value}}"])
    result: dict[str, dict[str, pulumi.Output[str]]] = {}
    problems = []
    for service, values in raw.items():
        if not isinstance(values, dict):
            problems.append(f"{where}.{service}: must be a mapping of secret name to value")
            continue
        result[service] = {}
        for name, value in values.items():
            if not isinstance(value, str):
                problems.append(f"{where}.{service}.{name}: must be a string value")
                continue
            result[service][name] = pulumi.Output.secret(value)
    if problems:
        raise SpecError(problems)
    return result


# -- the three sources, each as a plain mapping of full keys ----------------------------------


def program_config() -> dict[str, Any]:
    """The running program's `slipway:*` config, through the SDK's public config API.

    Known settings are read with `pulumi.Config`; the language host's `PULUMI_CONFIG` hand-off
    (`pulumi.runtime.get_config_env`) adds any other `slipway:` key, so that a misspelt key is
    refused instead of silently ignored.
    """
    names = set(setting_names())
    names |= set(slipway_values(pulumi.runtime.get_config_env()))
    config = pulumi.Config(CONFIG_NAMESPACE)
    found = {}
    for name in sorted(names):
        value = config.get(name)
        if value is not None:
            found[key(name)] = value
    return found


def automation_config(stack: auto.Stack) -> dict[str, Any]:
    """A stack's config through the Automation API. Secret values are left out: tools never
    need them, and they would only read as `[secret]`."""
    return {name: value.value for name, value in stack.get_all_config().items()
            if not value.secret}


def stack_file_config(path: Path) -> dict[str, Any]:
    """The `config` of a stack file, without its encrypted (`secure:`) values."""
    if not path.is_file():
        raise SpecError([f"{path.name}: no such stack file in {path.parent}"])
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict) or not isinstance(document.get("config") or {}, dict):
        raise SpecError([f"{path.name}: must be a mapping with a config mapping"])
    return {name: value for name, value in (document.get("config") or {}).items()
            if not _encrypted(value)}


def stack_file_settings(project_dir: Path, stack: str) -> StackSettings:
    """`read_settings` over `Pulumi.<stack>.yaml` in the project: no engine needed."""
    source = f"Pulumi.{stack}.yaml"
    return read_settings(stack_file_config(project_dir / source), source)
