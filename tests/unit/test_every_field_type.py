"""Every scalar field of the service spec, found from the model's annotations (so a field added
later is covered without touching this file), refuses a value of another type that YAML or a
quote made, naming the field; none converts it silently.

- a text field given an unquoted NO, 0022, 1.10 or a date: "YAML reads ... as ...";
- a number field given quoted text ("8080") or a boolean;
- a boolean field given quoted text ("false") or a number.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from microservice_fixtures import IMAGE
from slipway.spec import SpecError, load_catalog
from slipway.spec.service import ServiceSpec
from slipway.spec.text_values import _fields_with_own_reading
from slipway.spec.validation import NUMBER_IS_TEXT, RENDERED_AS_TEXT

BASE = f"name: api\nimage: {IMAGE}\nversion: 1.0.0\n"


def _leaf_kind(annotation: Any, metadata: list[Any]) -> str | None:
    """text, number or boolean for a plain scalar field; None for anything else."""
    if NUMBER_IS_TEXT in metadata or RENDERED_AS_TEXT in metadata:
        return None
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            if NUMBER_IS_TEXT in extra or RENDERED_AS_TEXT in extra:
                return None
            continue
        if origin in (typing.Union, types.UnionType):
            arms = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(arms) != 1:
                return None
            annotation = arms[0]
            continue
        break
    if annotation is str or (typing.get_origin(annotation) is Literal and all(
            isinstance(a, str) for a in typing.get_args(annotation))):
        return "text"
    if annotation is bool:
        return "boolean"
    if annotation in (int, float):
        return "number"
    return None


def _nested(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    arms = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(arms) == 1:
        return _nested(arms[0])
    return None


def scalar_fields(model: type[BaseModel], prefix: tuple[str, ...] = ()
                  ) -> list[tuple[tuple[str, ...], str]]:
    """(path of aliases, kind) of every scalar field reachable through nested models."""
    found: list[tuple[tuple[str, ...], str]] = []
    own = _fields_with_own_reading(model)
    for name, info in model.model_fields.items():
        key = info.alias or name
        if name in own or key in own or key == "environments":
            continue
        nested = _nested(info.annotation)
        if nested is not None:
            found += scalar_fields(nested, (*prefix, key))
            continue
        kind = _leaf_kind(info.annotation, list(info.metadata))
        if kind is not None:
            found.append(((*prefix, key), kind))
    return found


FIELDS = scalar_fields(ServiceSpec)
WRONG = {"text": ["NO", "0022", "1.10", "2024-05-01"],
         "number": ['"8080"', "yes"],
         "boolean": ['"false"', "1"]}
CASES = [(path, kind, value) for path, kind in FIELDS for value in WRONG[kind]]


def _yaml(path: tuple[str, ...], value: str) -> str:
    text = value
    for key in reversed(path[1:]):
        text = f"{{{key}: {text}}}"
    return f"{path[0]}: {text}\n"


def test_the_walk_finds_the_fields_of_every_kind_including_the_new_ones() -> None:
    paths = {".".join(path): kind for path, kind in FIELDS}

    assert paths["version"] == "text"
    assert paths["port"] == "number"
    assert paths["serviceAccount.automountToken"] == "boolean"
    assert paths["exposure.synthetic.interval"] == "text"
    assert paths["exposure.synthetic.minSuccessRatio"] == "number"
    assert len(FIELDS) > 40


@pytest.mark.parametrize(("path", "kind", "value"), CASES,
                         ids=[f"{'.'.join(p)}={v}" for p, _, v in CASES])
def test_a_value_of_another_type_is_refused_at_its_field(
    path: tuple[str, ...], kind: str, value: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "services").mkdir()
    # The field replaces the base's line of the same name (name, image, version).
    text = "".join(line for line in BASE.splitlines(keepends=True)
                   if not line.startswith(f"{path[0]}: "))
    (tmp_path / "services" / "api.yaml").write_text(text + _yaml(path, value))

    with pytest.raises(SpecError) as caught:
        load_catalog(Path("services"))

    field = ".".join(path)
    lines = [line for line in caught.value.problems
             if line.startswith(f"services/api.yaml: {field}: ")]
    assert lines, caught.value.problems
    assert any(word in lines[0] for word in ("YAML reads", "quoted text", "must be true or false",
                                             "must be a number")), lines[0]
