"""The `resources` section: requests and limits of the container."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from . import quantity
from .validation import QuantityText, SpecModel, error_at


class Limits(SpecModel):
    cpu: QuantityText | None = Field(
        default=None,
        description="CPU limit. Left out: no CPU limit (throttling hurts latency; requests "
        "already reserve capacity).",
    )
    memory: QuantityText | None = Field(
        default=None,
        description="Memory limit. Left out: equal to the memory request (the pod cannot be "
        "OOM-killed for using what it asked for, nor take more).",
    )


class Resources(SpecModel):
    cpu: QuantityText = Field(default="100m", description="CPU request, e.g. 200m.")
    memory: QuantityText = Field(default="128Mi", description="Memory request, e.g. 512Mi.")
    limits: Limits = Field(default_factory=Limits, description="Upper bounds for the container.")

    @field_validator("cpu")
    @classmethod
    def _cpu(cls, value: str) -> str:
        quantity.cpu(value)
        return value

    @field_validator("memory")
    @classmethod
    def _memory(cls, value: str) -> str:
        quantity.memory(value)
        return value

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> Resources:
        if self.limits.cpu is not None:
            try:
                limit = quantity.cpu(self.limits.cpu)
            except ValueError as err:
                raise error_at("limits.cpu", str(err)) from None
            if limit < quantity.cpu(self.cpu):
                raise error_at("limits.cpu", f"must be >= cpu (got {self.limits.cpu} < {self.cpu})")
        if self.limits.memory is not None:
            try:
                limit = quantity.memory(self.limits.memory)
            except ValueError as err:
                raise error_at("limits.memory", str(err)) from None
            if limit < quantity.memory(self.memory):
                raise error_at(
                    "limits.memory",
                    f"must be >= memory (got {self.limits.memory} < {self.memory})",
                )
        return self

    @property
    def memory_limit(self) -> str:
        return self.limits.memory if self.limits.memory is not None else self.memory
