"""The ``[optimize]`` table: what ``slasim optimize`` may change, its objective and caps."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from slasim.limits import MAX_MENU_CANDIDATES, MAX_REPS, MAX_TOTAL_SELLERS, MIN_VERIFY_REPS
from slasim.scenario.fields import (
    SELLERS_BOUND,
    AtMost,
    Minutes,
    Money,
    Probability,
    StrictModel,
    Volume,
)
from slasim.scenario.routing import RoutingPolicy

__all__ = ["Optimize", "OptimizeTier"]


class OptimizeTier(StrictModel):
    """Free SLA terms of one tier for ``slasim optimize`` (unset = fixed at the scenario's)."""

    volume: list[Volume] | None = Field(
        None, description="[min, max] leads per month marketing may buy (monthly_volume)"
    )
    volume_step: Volume = Field(50.0, gt=0, description="grid step of the volume, leads/month")
    response_targets: list[Minutes] | None = Field(
        None, description="menu of response targets in minutes, e.g. [5, 15, 30, 60, 240, 1440]"
    )
    response_shares: list[Annotated[float, Field(gt=0, le=1, strict=True)]] | None = Field(
        None, description="menu of promised shares within the target, e.g. [0.8, 0.9]"
    )
    min_attempts: list[Annotated[int, Field(ge=1, le=50, strict=True)]] | None = Field(
        None, description="menu of attempt commitments, e.g. [3, 6]"
    )
    # The conversion promise: a menu (the highest target met with confidence is proposed) or
    # "propose" (the rate met in >= confidence of the simulated months, rounded down to 0.01).
    # Neither: sla.tiers.X.qualify_rate_target stays fixed and must hold.
    qualify_rate_targets: list[Probability] | None = Field(
        None, description="menu of qualify-rate targets, e.g. [0.30, 0.25, 0.20, 0.15]"
    )
    qualify_rate_target: Literal["propose"] | None = Field(
        None, description='"propose": the realistic qualify rate from the simulated months'
    )

    @field_validator(
        "response_targets", "response_shares", "min_attempts", "qualify_rate_targets"
    )
    @classmethod
    def _short_menu(cls, value: list[Any] | None) -> list[Any] | None:
        if value is not None and len(value) > MAX_MENU_CANDIDATES:
            raise ValueError(
                f"got a menu of {len(value):,} entries; expected at most "
                f"{MAX_MENU_CANDIDATES:,} (each is scored on every simulated month)"
            )
        return value

    @field_validator("volume_step")
    @classmethod
    def _few_levels(cls, value: float, info: ValidationInfo) -> float:
        # The grid is built whole before the screen keeps 5 levels of it: a step of 1 over
        # 10^7 held 5 GB, a step of 10^-6 asked for 73 TiB (an internal error).
        volume = info.data.get("volume")
        if volume is not None and len(volume) == 2 and volume[0] <= volume[1]:
            levels = math.floor((volume[1] - volume[0]) / value) + 1
            if levels > MAX_MENU_CANDIDATES:
                least = (volume[1] - volume[0]) / (MAX_MENU_CANDIDATES - 1)
                raise ValueError(
                    f"got {value:g}, which makes {levels:,} volume levels from {volume[0]:g} "
                    f"to {volume[1]:g}; expected at most {MAX_MENU_CANDIDATES:,} levels (a "
                    f"volume_step of at least {least:g})"
                )
        return value

    @model_validator(mode="after")
    def _shapes(self) -> Self:
        if self.volume is not None and (len(self.volume) != 2 or self.volume[0] > self.volume[1]):
            raise ValueError(f"volume(={self.volume}) must be [min, max] with min <= max")
        pairs = len(self.response_targets or [0]) * len(self.response_shares or [0])
        if pairs > MAX_MENU_CANDIDATES:
            raise ValueError(
                f"response_targets ({len(self.response_targets or [])}) x response_shares "
                f"({len(self.response_shares or [])}) make {pairs:,} response terms; expected at "
                f"most {MAX_MENU_CANDIDATES:,} (each is scored on every simulated month)"
            )
        for name in ("response_targets", "response_shares", "min_attempts", "qualify_rate_targets"):
            if getattr(self, name) == []:
                raise ValueError(f"{name} is empty; expected at least one value or no key")
        if self.qualify_rate_targets is not None and self.qualify_rate_target is not None:
            raise ValueError(
                f"qualify_rate_targets(={self.qualify_rate_targets}) and qualify_rate_target"
                f"(={self.qualify_rate_target!r}) are both set; expected a menu or \"propose\""
            )
        return self


class Optimize(StrictModel):
    """What ``slasim optimize`` may change, its objective and its caps.

    Unlisted shifts and tiers keep their scenario values. Money is per month.
    """

    objective: Literal["profit", "cost"] = Field(
        "profit", description="maximize profit, or minimize cost subject to revenue_goal"
    )
    revenue_goal: Money | None = Field(
        None, description="monthly revenue + pipeline value to reach (objective = cost)"
    )
    budget: Money | None = Field(None, gt=0, description="cap on monthly seller + lead cost")
    max_sellers: Annotated[int, AtMost(MAX_TOTAL_SELLERS, "sellers")] | None = Field(
        None, ge=1, strict=True, description="cap on sellers over all shifts"
    )
    sellers: dict[str, list[Annotated[int, Field(ge=0, strict=True), SELLERS_BOUND]]] = Field(
        default_factory=dict, description="shift name -> [min, max] sellers"
    )
    routing: list[RoutingPolicy] | None = Field(None, description="routing policies to try")
    tiers: dict[str, OptimizeTier] = Field(default_factory=dict)
    shortlist: int = Field(
        8, ge=1, le=30, strict=True, description="candidates simulated after screening"
    )
    verify_reps: int = Field(
        200,
        ge=MIN_VERIFY_REPS,
        le=MAX_REPS,
        strict=True,
        description=f"fresh replications to verify, {MIN_VERIFY_REPS} to {MAX_REPS:,} (fewer "
        "cannot tell 80 % from 90 % met)",
    )

    @field_validator("sellers")
    @classmethod
    def _bounds(cls, value: dict[str, list[int]]) -> dict[str, list[int]]:
        for name, pair in value.items():
            if len(pair) != 2 or pair[0] > pair[1]:
                raise ValueError(f"sellers.{name}(={pair}) must be [min, max] with min <= max")
        return value

    @field_validator("routing")
    @classmethod
    def _some(cls, value: list[str] | None) -> list[str] | None:
        if value == []:
            raise ValueError("routing is empty; expected at least one policy or no key")
        return value
