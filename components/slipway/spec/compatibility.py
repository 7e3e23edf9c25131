"""The `compatibility` section: which older major versions of its API a service still serves.

A major bump (1.x to 2.0.0) breaks the callers that only work with 1.x, so it waits until each
caller lists 2 in its `calls` entry, unless the new version keeps serving the old API too
(`servesMajors: [1]`, e.g. behind a /v1 prefix or a flag), in which case the callers of 1.x
keep working and the bump goes ahead.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from .calls import MAX_MAJOR
from .validation import SpecModel


class Compatibility(SpecModel):
    serves_majors: list[Annotated[int, Field(ge=0, le=MAX_MAJOR, strict=True)]] = Field(
        default_factory=list,
        description="Older major versions of its API this version still serves, besides its "
        "own major, e.g. [1] for a 2.0.0 that keeps the 1.x API. Left out: none, so callers "
        "that only work with an older major block a major bump.",
    )

    @field_validator("serves_majors")
    @classmethod
    def _unique(cls, values: list[int]) -> list[int]:
        if len(set(values)) != len(values):
            raise ValueError("must not repeat a major; list each older major once, e.g. [1]")
        return sorted(values)
