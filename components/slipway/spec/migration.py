"""The `migration` section: an expand-contract schema migration Job."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from .signature import ImageSignature
from .validation import SpecModel, check_image


class Migration(SpecModel):
    """An expand-contract schema migration, run as a Job before the new version takes traffic."""

    phase: Literal["expand", "contract"] = Field(
        default="expand",
        description="expand (default): additive changes the running version tolerates, run "
        "before the new version takes traffic. contract: destructive changes (dropping what "
        "the old version still reads); refused in a release that changes the version, so it "
        "runs on its own once the previous version is gone.",
    )
    image: str = Field(description="Migration image, pinned by digest.")
    signature: ImageSignature | None = Field(
        default=None, description="cosign signature of the migration image (see signature)."
    )
    command: list[str] = Field(description="Command to run, e.g. [/app/migrate, up].")
    args: list[str] = Field(default_factory=list)
    timeout_seconds: int = Field(default=600, ge=30, le=86_400)
    backoff_limit: int = Field(default=1, ge=0, le=10)

    @field_validator("image")
    @classmethod
    def _image(cls, value: str) -> str:
        return check_image(value)

    @field_validator("command")
    @classmethod
    def _command(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("must name the command to run, e.g. [/app/migrate, up]")
        return value
