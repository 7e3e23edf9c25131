"""The entries of a file embedded in a ConfigMap value: .env, properties, JSON or YAML.

A ConfigMap value is often a whole file. ``entries`` reads it into (name, value) pairs, with
where each sits, so the plaintext-secrets rule can judge ``DB_PASSWORD=...`` on line 3 of
``app.env`` or ``database.password`` in ``config.yaml`` like a top-level key. Nested keys are
named by their path (``database.password``, ``servers[1].token``). A value that is not a
file (one line, no structure) has no entries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import yaml

# KEY=value, KEY: value, export KEY=value, key = value (properties, .env, ini, shell).
_LINE: Final = re.compile(
    r"^\s*(?:export\s+)?(?P<name>[A-Za-z_][\w.\-]*)\s*(?:=|:)\s*(?P<value>.*?)\s*$")
_COMMENT: Final = ("#", "!", ";", "//")


@dataclass(frozen=True)
class Entry:
    name: str  # the key the value sits under (the leaf, for nested files)
    value: str
    where: str  # "DB_PASSWORD (line 3)" or "database.password"
    format: str  # "JSON", "YAML" or "key=value"


def _walk(node: Any, path: str, fmt: str) -> Iterator[Entry]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else str(key), fmt)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]", fmt)
    elif isinstance(node, str | int | float) and not isinstance(node, bool):
        name = re.sub(r"(\[\d+\])+$", "", path).rsplit(".", 1)[-1]
        yield Entry(name, str(node), path, fmt)


def _structured(text: str) -> tuple[Any, str] | None:
    stripped = text.strip()
    if stripped[:1] in "{[":
        try:
            return json.loads(stripped), "JSON"
        except ValueError:
            pass
    try:
        loaded = yaml.safe_load(stripped)
    except yaml.YAMLError:
        return None
    return (loaded, "YAML") if isinstance(loaded, dict | list) else None


def _lines(text: str) -> Iterator[Entry]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith(_COMMENT):
            continue
        match = _LINE.match(line)
        if match:
            value = match.group("value").strip().strip("'\"")
            yield Entry(match.group("name"), value, f"{match.group('name')} (line {number})",
                        "key=value")


def entries(key: str, text: str) -> list[Entry]:
    """The entries of ``text`` when it is a file (several lines, or JSON); else none."""
    if "\n" not in text.strip() and text.strip()[:1] not in "{[":
        return []
    structured = _structured(text)
    if structured is not None:
        found = list(_walk(structured[0], "", structured[1]))
        if found:
            return found
    return list(_lines(text))
