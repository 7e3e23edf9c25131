"""The `calls` section: the services this one calls, and which of their major versions it works
with.

An entry is a service name (`calls: [inventory]`), or a mapping that also says which major
versions of the callee's API this service works with (`calls: [{service: inventory, majors:
[1, 2]}]`). A plain name, or a mapping without `majors`, works with the callee's *current*
major: the one that runs (recorded by the release progress; the callee's file version before
its first deployment). A major bump of the callee therefore waits until every caller lists the
new major, or the callee declares it keeps serving the old one (`compatibility.servesMajors`).
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from pydantic import Discriminator, Field, Tag, field_validator

from .validation import DNS_LABEL, SpecModel

MAX_MAJOR = 100_000


def major(version: str) -> int:
    """The major part of a semantic version (2 for 2.6.0-rc.1)."""
    return int(version.split(".", 1)[0])


class Call(SpecModel):
    """One callee, with the major versions of its API this service works with."""

    service: str = Field(pattern=DNS_LABEL, description="The service called.")
    majors: list[Annotated[int, Field(ge=0, le=MAX_MAJOR, strict=True)]] | None = Field(
        default=None,
        description="Major versions of the callee this service works with, e.g. [1, 2] while "
        "it migrates from 1.x to 2.x. Left out: the callee's current major (the one that "
        "runs), so a major bump of the callee waits for this service to list the new one.",
    )

    @field_validator("majors")
    @classmethod
    def _unique(cls, values: list[int] | None) -> list[int] | None:
        if values is None:
            return None
        if not values:
            raise ValueError("must list at least one major, e.g. [1, 2]; leave majors out for "
                             "the callee's current major")
        repeated = sorted(v for v, count in Counter(values).items() if count > 1)
        if repeated:
            raise ValueError(f"must not repeat a major (repeated: "
                             f"{', '.join(map(str, repeated))}); list each major once, e.g. "
                             "[1, 2]")
        return sorted(values)


NAME_TAG, CALL_TAG = "calls-entry:name", "calls-entry:mapping"
"""Which form an entry takes; errors.py leaves these out of field paths."""


def _form(value: Any) -> str:
    # A mapping is a Call; anything else is checked as a name (and refused as one).
    return CALL_TAG if isinstance(value, dict | Call) else NAME_TAG


CallEntry = Annotated[
    Annotated[str, Field(pattern=DNS_LABEL), Tag(NAME_TAG)] | Annotated[Call, Tag(CALL_TAG)],
    Discriminator(_form),
]
"""What `calls` holds, as written: a plain name or a Call. The form is picked by the value's
type, so an error speaks of that form only."""


def callee(entry: CallEntry) -> str:
    return entry if isinstance(entry, str) else entry.service


def accepted_majors(entry: CallEntry) -> list[int] | None:
    """The majors a caller listed; None: the callee's current major."""
    return None if isinstance(entry, str) else entry.majors

