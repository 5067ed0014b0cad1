"""A tier of leads: arrivals, conversion funnel, deal size and sales cycle, and lead decay."""

from __future__ import annotations

import math
from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, field_validator, model_validator

from slasim.limits import MAX_MONEY, MAX_MONTHLY_VOLUME
from slasim.model.decay import DecayCurve
from slasim.model.decay_presets import get_preset
from slasim.model.decay_spec import curve_from_spec
from slasim.scenario.fields import (
    DAYS_BOUND,
    MINUTES_BOUND,
    MONEY_BOUND,
    RATIO_BOUND,
    SPREAD_BOUND,
    Minutes,
    Probability,
    StrictModel,
    Volume,
    Weight,
)

__all__ = [
    "ArrivalProfile",
    "DealSize",
    "Decay",
    "DecayCurveSpec",
    "Quantiles",
    "SalesCycle",
    "Tier",
]


class ArrivalProfile(StrictModel):
    """Relative arrival intensity by weekday and hour (local time).

    Either ``weekday`` x ``hour`` weights (separable, the usual case) or a full 7 x 24
    ``matrix``. Only the shape matters: volumes come from :attr:`Tier.monthly_volume`.
    """

    weekday: list[Weight] = Field(
        default_factory=lambda: [1.0] * 7,
        min_length=7,
        max_length=7,
        description="weights Monday..Sunday",
    )
    hour: list[Weight] = Field(
        default_factory=lambda: [1.0] * 24,
        min_length=24,
        max_length=24,
        description="weights for local hours 00..23",
    )
    matrix: list[list[Weight]] | None = Field(
        None, description="7 rows (Mon..Sun) x 24 hours; overrides weekday and hour"
    )
    holiday_factor: Annotated[float, RATIO_BOUND] = Field(
        1.0,
        ge=0,
        strict=True,
        description="multiplier on public holidays (e.g. 0.3: 30 % of a normal day), at most 100",
    )

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.matrix is not None:
            if len(self.matrix) != 7 or any(len(row) != 24 for row in self.matrix):
                shape = f"{len(self.matrix)} x {[len(r) for r in self.matrix]}"
                raise ValueError(f"matrix has shape {shape}; expected 7 rows of 24 weights")
            total = sum(map(sum, self.matrix))
        else:
            total = sum(self.weekday) * sum(self.hour)
        if total <= 0:
            raise ValueError("all arrival weights are zero; expected at least one positive weight")
        return self

    def hour_of_week_weights(self) -> list[float]:
        """168 weights, Monday 00:00 first, normalised to mean 1."""
        if self.matrix is not None:
            flat = [w for row in self.matrix for w in row]
        else:
            flat = [d * h for d in self.weekday for h in self.hour]
        mean = sum(flat) / len(flat)
        return [w / mean for w in flat]


class Quantiles(StrictModel):
    """A positive quantity given by its median and 90th percentile (lognormal)."""

    median: float = Field(gt=0, strict=True)
    p90: float = Field(gt=0, strict=True)

    #: Upper bounds of the lognormal mean (in ``_unit``) and of p90 / median (subclasses bound
    #: median and p90 too).
    _max_mean: ClassVar[float] = math.inf
    _max_spread: ClassVar[float] = math.inf
    _unit: ClassVar[str] = ""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.p90 > self.median:
            raise ValueError(f"p90(={self.p90}) must be greater than median(={self.median})")
        # A p90 far above the median is a huge spread: its mean may overflow even when both
        # quantiles are in range.
        if not self.mean <= self._max_mean:
            raise ValueError(
                f"median(={self.median}) and p90(={self.p90}) give a lognormal mean of "
                f"{self.mean:.3g}; expected at most {self._max_mean:,.0f} {self._unit} (bring "
                "p90 closer to the median)"
            )
        if self.p90 > self.median * self._max_spread:
            raise ValueError(
                f"p90(={self.p90}) is {self.p90 / self.median:,.0f} times median(="
                f"{self.median}); expected at most {self._max_spread:,.0f} times (a wider "
                "lognormal overflows when drawn)"
            )
        return self

    @property
    def sigma(self) -> float:
        """Lognormal shape: p90 = median * exp(1.2816 sigma)."""
        return math.log(self.p90 / self.median) / 1.2815515655446004

    @property
    def mean(self) -> float:
        try:
            return self.median * math.exp(self.sigma**2 / 2)
        except OverflowError:
            return math.inf


class DealSize(Quantiles):
    """The value of a won deal (currency units): median and p90 of a lognormal."""

    median: Annotated[float, MONEY_BOUND] = Field(gt=0, strict=True)
    p90: Annotated[float, MONEY_BOUND] = Field(gt=0, strict=True)

    _max_mean: ClassVar[float] = MAX_MONEY
    _unit: ClassVar[str] = "(money)"


class SalesCycle(Quantiles):
    """Days from qualification to won or lost: median and p90 of a lognormal."""

    median: Annotated[float, DAYS_BOUND] = Field(gt=0, strict=True)
    p90: Annotated[float, DAYS_BOUND] = Field(gt=0, strict=True)

    # Only draws are used (no mean): their spread is bounded, so that exp() stays finite.
    _max_spread: ClassVar[float] = 100_000


class Tier(StrictModel):
    """One agreed lead definition (e.g. hot) and how such leads behave."""

    monthly_volume: Volume = Field(
        description=f"expected leads per average month, at most {MAX_MONTHLY_VOLUME:,}"
    )
    dispersion: Annotated[float, RATIO_BOUND] = Field(
        0.0,
        ge=0,
        strict=True,
        description="negative-binomial over-dispersion of the period's volume: "
        "Var = mean + dispersion * mean^2 (0 = Poisson), at most 100",
    )
    profile: ArrivalProfile = Field(default_factory=ArrivalProfile)
    base_contact: Probability = Field(description="P(contact) of an attempt at age 0")
    base_qualify: Probability = Field(description="P(qualified | contacted) at age 0")
    opportunity_rate: Probability = Field(description="P(opportunity | qualified)")
    win_rate: Probability = Field(description="P(won | opportunity)")
    deal_size: DealSize = Field(description="value of a won deal (currency units)")
    sales_cycle_days: SalesCycle = Field(description="days from qualification to won/lost")
    propensity_concentration: Annotated[float, SPREAD_BOUND] | None = Field(
        None,
        gt=0,
        strict=True,
        description="spread of the leads' propensity to qualify: each lead's own "
        "P(qualified | conversation) at age 0 is Beta(k * base_qualify, k * (1 - "
        "base_qualify)) with k this value (small k: a few leads qualify easily, most hardly "
        "ever; large k: everybody near base_qualify); omitted = every lead has base_qualify "
        "exactly",
    )
    disqualify_rate: Probability = Field(
        0.0,
        description="P(disqualified | a conversation that does not qualify the lead): the "
        "lead is closed lost there; the rest stay undecided and get a follow-up conversation "
        "while cadence.max_conversations allows",
    )


class DecayCurveSpec(StrictModel):
    """A custom decay curve; which fields apply depends on ``kind``."""

    kind: Literal["flat", "exponential", "power_law", "table"]
    half_life_minutes: Minutes | None = None
    scale_minutes: Minutes | None = None
    exponent: Annotated[float, RATIO_BOUND] | None = Field(None, gt=0, strict=True)
    floor: float = Field(0.0, ge=0, lt=1, strict=True)
    ages_minutes: list[Annotated[float, Field(ge=0, strict=True), MINUTES_BOUND]] | None = None
    factors: list[Probability] | None = None
    interpolation: Literal["log", "linear"] = "log"

    @model_validator(mode="after")
    def _buildable(self) -> Self:
        self.build()  # the curve's own ValueError names the bad parameter
        return self

    def build(self) -> DecayCurve:
        needed = {
            "flat": (),
            "exponential": ("half_life_minutes",),
            "power_law": ("scale_minutes", "exponent"),
            "table": ("ages_minutes", "factors"),
        }[self.kind]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"kind={self.kind!r} needs {', '.join(missing)}")
        spec = {"kind": self.kind, **{n: getattr(self, n) for n in needed}}
        if self.kind in ("exponential", "power_law"):
            spec["floor"] = self.floor
        if self.kind == "table":
            spec["interpolation"] = self.interpolation
        return curve_from_spec(spec)


class Decay(StrictModel):
    """Contact and qualify decay: a named preset, optionally with custom curves on top."""

    preset: str = Field("lrm2007", description="lrm2007, hbr2011 or none")
    contact: DecayCurveSpec | None = Field(None, description="overrides the preset's contact curve")
    qualify: DecayCurveSpec | None = Field(None, description="overrides the preset's qualify curve")

    @field_validator("preset")
    @classmethod
    def _known(cls, value: str) -> str:
        get_preset(value)  # ValueError lists the presets and a did-you-mean
        return value

    def curves(self) -> tuple[DecayCurve, DecayCurve]:
        """The (contact, qualify) curves in force."""
        preset = get_preset(self.preset)
        contact = self.contact.build() if self.contact else preset.contact
        qualify = self.qualify.build() if self.qualify else preset.qualify
        return contact, qualify
