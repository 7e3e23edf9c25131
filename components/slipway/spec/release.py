"""The `release` section: the strategy that replaces one version with the next."""

from __future__ import annotations

import itertools
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .validation import IntOrPercent, SpecModel, error_at

DEFAULT_CANARY_STEPS = (1, 5, 25, 100)
# Only a canary has steps and a canary size; saying them for another strategy is a mistake.
CANARY_ONLY = {"steps": "steps", "canary_replicas": "canaryReplicas"}


class Release(SpecModel):
    """How a new version replaces the old one. `slipway release` drives blue-green and canary
    releases step by step (docs/releases.md); rolling needs nothing but `slipway up`."""

    strategy: Literal["rolling", "blue-green", "canary"] = Field(
        default="rolling",
        description="rolling (default): pods are replaced a few at a time. blue-green: the new "
        "version starts in the idle slot behind a preview Service, then traffic flips to it at "
        "once (and can flip back). canary: the new version takes a growing share of traffic "
        "(steps), gated by the SLO.",
    )
    max_surge: IntOrPercent | None = Field(
        default=None, description="Extra pods during a rollout. Default: the environment's."
    )
    max_unavailable: IntOrPercent | None = Field(
        default=None, description="Pods missing during a rollout. Default: the environment's."
    )
    steps: list[int] = Field(
        default_factory=lambda: list(DEFAULT_CANARY_STEPS),
        description="canary only: percent of traffic the new version gets at each step, "
        "strictly increasing from 1 to 100 and ending at 100. Default [1, 5, 25, 100].",
    )
    bake_seconds: int = Field(
        default=300, ge=1, le=86_400,
        description="How long each canary step runs before `slipway release --auto` judges it "
        "against the SLO. Default 300 (5 minutes).",
    )
    canary_replicas: int = Field(
        default=1, ge=1, le=100,
        description="canary only: pods running the new version while it takes part of the "
        "traffic. Default 1.",
    )

    @field_validator("steps")
    @classmethod
    def _steps(cls, steps: list[int]) -> list[int]:
        if not steps:
            raise ValueError("must list at least one step ending at 100, e.g. [1, 5, 25, 100]")
        outside = [step for step in steps if not 1 <= step <= 100]
        if outside:
            raise ValueError(
                f"each step is a traffic percentage from 1 to 100 (got {outside[0]})"
            )
        for before, after in itertools.pairwise(steps):
            if after <= before:
                raise ValueError(
                    f"must be strictly increasing (got {after} after {before}), "
                    "e.g. [1, 5, 25, 100]"
                )
        if steps[-1] != 100:
            raise ValueError(
                f"must end at 100, where the new version takes all traffic and becomes stable "
                f"(got {steps[-1]} last)"
            )
        return steps

    @model_validator(mode="after")
    def _rollout_moves(self) -> Release:
        if self.max_surge in (0, "0%") and self.max_unavailable in (0, "0%"):
            raise error_at(
                "maxUnavailable",
                "maxSurge and maxUnavailable cannot both be 0: the rollout could never progress",
            )
        if self.strategy != "canary":
            for name, alias in CANARY_ONLY.items():
                if name in self.model_fields_set:
                    raise error_at(
                        alias,
                        f"only applies to strategy: canary (strategy is {self.strategy}); "
                        f"drop {alias} or set strategy: canary",
                    )
        return self
