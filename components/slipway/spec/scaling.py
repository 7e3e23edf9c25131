"""The `scaling` section: replicas and what the autoscaler scales on."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from . import quantity
from .validation import QuantityText, SpecModel, error_at


class Metric(SpecModel):
    """A custom autoscaling metric (needs a metrics adapter in the cluster)."""

    type: Literal["pods", "external"] = Field(
        description="pods: a per-pod metric such as requests per second; external: a metric "
        "outside the cluster such as queue depth."
    )
    name: str = Field(min_length=1, description="Metric name as the metrics adapter serves it.")
    target: QuantityText = Field(description="Target average value per pod, e.g. 100 or 500m.")
    selector: dict[str, str] = Field(
        default_factory=dict, description="Label selector narrowing the metric (e.g. queue)."
    )

    @field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        if quantity.parse_quantity(value, "a quantity such as 100 or 500m") <= 0:
            raise ValueError(f"must be a quantity above zero such as 100 or 500m (got {value!r})")
        return value


class Scaling(SpecModel):
    min: int = Field(default=2, ge=1, le=1000, description="Minimum replicas (2: survive a node).")
    max: int = Field(
        default=4, ge=1, le=1000,
        description="Maximum replicas. Equal to min: fixed replicas and no autoscaler.",
    )
    cpu: int | None = Field(
        default=70, ge=1, le=100, description="Target CPU utilisation in percent; null: off."
    )
    memory: int | None = Field(
        default=None, ge=1, le=100, description="Target memory utilisation in percent."
    )
    metrics: list[Metric] = Field(default_factory=list, description="Custom metrics to scale on.")

    @model_validator(mode="after")
    def _bounds(self) -> Scaling:
        if self.min > self.max:
            raise error_at("min", f"must be <= scaling.max (got {self.min} > {self.max})")
        if self.autoscaled and self.cpu is None and self.memory is None and not self.metrics:
            raise error_at(
                "max",
                f"is above scaling.min ({self.max} > {self.min}) but nothing to scale on: "
                "set cpu, memory or metrics, or make max equal to min",
            )
        return self

    @property
    def autoscaled(self) -> bool:
        return self.max > self.min
