"""The JSON Schema for service files, generated from the pydantic model.

Editors pick it up through the `# yaml-language-server: $schema=./schema.json` line at the top
of each service file; a test keeps services/schema.json equal to what this module generates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .service import ServiceSpec


def service_schema() -> dict[str, Any]:
    schema = ServiceSpec.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Slipway service"
    return schema


def render() -> str:
    return json.dumps(service_schema(), indent=2, sort_keys=True) + "\n"


def write(path: Path) -> None:
    path.write_text(render(), encoding="utf-8")


if __name__ == "__main__":  # python -m slipway.spec.schema services/schema.json
    import sys

    write(Path(sys.argv[1] if len(sys.argv) > 1 else "services/schema.json"))
