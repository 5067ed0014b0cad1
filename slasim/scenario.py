"""Scenario schema: everything one simulated SLA period needs, validated with pydantic v2.

A scenario is written in TOML (see ``scenarios/baseline.toml``) and loaded with
:func:`slasim.loader.load_scenario`, which resolves ``extends`` overlays and ``--set``
overrides before validating against :class:`Scenario`. Unknown keys are errors so that a
typo never passes silently. Times of day are ``"HH:MM"`` strings in the scenario's time zone;
durations carry their unit in the field name.
"""

from __future__ import annotations

import itertools
import math
import zoneinfo
from datetime import date
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from slasim.calendar import WEEKDAYS, BusinessCalendar, parse_hhmm, public_holidays
from slasim.decay import DecayCurve, curve_from_spec, get_preset

__all__ = [
    "TIER_REFERENCES",
    "ArrivalProfile",
    "BusinessHours",
    "Cadence",
    "Costs",
    "Decay",
    "DecayCurveSpec",
    "Distribution",
    "Horizon",
    "LeadCostCurve",
    "Optimize",
    "OptimizeTier",
    "Routing",
    "Scenario",
    "Shift",
    "SlaTerms",
    "Team",
    "Tier",
    "TierTerms",
    "Trace",
]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
RoutingPolicy = Literal["fifo", "newest_first", "tier_priority", "value_index"]
Clock = Literal["business", "wall"]

#: Fields whose keys (or items) name tiers: each must be a key of ``[tiers]``. The loader
#: checks them first too, so that an unknown tier is reported as such, not as missing terms.
TIER_REFERENCES = (
    "sla.tiers",
    "costs.cost_per_lead",
    "costs.lead_cost_curve",
    "optimize.tiers",
    "routing.tier_order",
)

#: Average month length in days; monthly volumes are scaled to the horizon with it.
DAYS_PER_MONTH = 365.25 / 12


class _Model(BaseModel):
    # extra="forbid": a misspelt key is an error, not a silently ignored setting.
    # allow_inf_nan=False: TOML and --set accept inf and nan, which no quantity here can be.
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )


def _check_hhmm(value: str) -> str:
    parse_hhmm(value)  # raises ValueError naming the value
    return value


HHMM = Annotated[str, Field(description='local time of day, "HH:MM" (24:00 allowed as an end)')]


class Horizon(_Model):
    """The simulated period."""

    start: date = Field(description="first local day of the period")
    days: int = Field(gt=0, le=400, description="length of the period in days")
    timezone: str = Field("UTC", description="IANA time zone, e.g. Europe/Stockholm")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"timezone(={value!r}) is not a known IANA time zone, e.g. 'Europe/Stockholm'"
            ) from None
        return value

    @property
    def months(self) -> float:
        """Length in average months (30.44 days)."""
        return self.days / DAYS_PER_MONTH


def _default_hours() -> dict[Weekday, list[str]]:
    return {day: ["08:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


class BusinessHours(_Model):
    """The business calendar: opening hours per weekday and closed days."""

    hours: dict[Weekday, list[str]] = Field(
        default_factory=_default_hours,
        description='opening spans per weekday, e.g. {mon = ["08:00-17:00"]}; unlisted days closed',
    )
    holiday_country: str | None = Field(
        None, description="ISO country code whose public holidays close the business, e.g. SE"
    )
    holidays: list[date] = Field(default_factory=list, description="extra closed dates")

    @field_validator("hours")
    @classmethod
    def _spans(cls, value: dict[Weekday, list[str]]) -> dict[Weekday, list[str]]:
        for day, spans in value.items():
            bounds = [_parse_span(span) for span in spans]
            for (_, end_a), (start_b, _) in itertools.pairwise(bounds):
                if start_b < end_a:
                    raise ValueError(f"hours.{day} spans {spans} overlap; expected ascending spans")
        return value

    @field_validator("holiday_country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None:
            public_holidays(value, date(2026, 1, 1), 1)  # raises ValueError naming the code
        return value

    def open_minutes(self) -> dict[int, list[tuple[int, int]]]:
        """Opening spans as ``{weekday index: [(open_min, close_min)]}``."""
        return {
            WEEKDAYS.index(day): [_parse_span(span) for span in spans]
            for day, spans in self.hours.items()
        }


def _parse_span(span: str) -> tuple[int, int]:
    parts = span.split("-")
    if len(parts) != 2:
        raise ValueError(f'span(={span!r}) must look like "08:00-17:00"')
    start, end = parse_hhmm(parts[0].strip()), parse_hhmm(parts[1].strip())
    if end <= start:
        raise ValueError(f"span(={span!r}) must end after it starts")
    return start, end


class ArrivalProfile(_Model):
    """Relative arrival intensity by weekday and hour (local time).

    Either ``weekday`` x ``hour`` weights (separable, the usual case) or a full 7 x 24
    ``matrix``. Only the shape matters: volumes come from :attr:`Tier.monthly_volume`.
    """

    weekday: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [1.0] * 7,
        min_length=7,
        max_length=7,
        description="weights Monday..Sunday",
    )
    hour: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [1.0] * 24,
        min_length=24,
        max_length=24,
        description="weights for local hours 00..23",
    )
    matrix: list[list[Annotated[float, Field(ge=0)]]] | None = Field(
        None, description="7 rows (Mon..Sun) x 24 hours; overrides weekday and hour"
    )
    holiday_factor: float = Field(
        1.0, ge=0, description="multiplier on public holidays (e.g. 0.3: 30 % of a normal day)"
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


class Quantiles(_Model):
    """A positive quantity given by its median and 90th percentile (lognormal)."""

    median: float = Field(gt=0)
    p90: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.p90 > self.median:
            raise ValueError(f"p90(={self.p90}) must be greater than median(={self.median})")
        return self

    @property
    def sigma(self) -> float:
        """Lognormal shape: p90 = median * exp(1.2816 sigma)."""
        return math.log(self.p90 / self.median) / 1.2815515655446004

    @property
    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)


class Tier(_Model):
    """One agreed lead definition (e.g. hot) and how such leads behave."""

    monthly_volume: float = Field(ge=0, description="expected leads per average month")
    dispersion: float = Field(
        0.0,
        ge=0,
        description="negative-binomial over-dispersion of the period's volume: "
        "Var = mean + dispersion * mean^2 (0 = Poisson)",
    )
    profile: ArrivalProfile = Field(default_factory=ArrivalProfile)
    base_contact: Probability = Field(description="P(contact) of an attempt at age 0")
    base_qualify: Probability = Field(description="P(qualified | contacted) at age 0")
    opportunity_rate: Probability = Field(description="P(opportunity | qualified)")
    win_rate: Probability = Field(description="P(won | opportunity)")
    deal_size: Quantiles = Field(description="value of a won deal (currency units)")
    sales_cycle_days: Quantiles = Field(description="days from qualification to won/lost")


class DecayCurveSpec(_Model):
    """A custom decay curve; which fields apply depends on ``kind``."""

    kind: Literal["flat", "exponential", "power_law", "table"]
    half_life_minutes: float | None = Field(None, gt=0)
    scale_minutes: float | None = Field(None, gt=0)
    exponent: float | None = Field(None, gt=0)
    floor: float = Field(0.0, ge=0, lt=1)
    ages_minutes: list[float] | None = None
    factors: list[float] | None = None
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


class Decay(_Model):
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


class Distribution(_Model):
    """A handling-time distribution in minutes."""

    dist: Literal["fixed", "exponential", "lognormal", "gamma"] = "lognormal"
    mean_minutes: float = Field(gt=0)
    cv: float = Field(0.5, ge=0, le=5, description="coefficient of variation (lognormal, gamma)")

    @model_validator(mode="after")
    def _cv(self) -> Self:
        if self.dist in ("lognormal", "gamma") and self.cv <= 0:
            raise ValueError(f"cv(={self.cv}) must be > 0 for dist={self.dist!r} (use 'fixed')")
        return self


class Shift(_Model):
    """Sellers on duty on some weekdays between two local times."""

    name: str = ""
    weekdays: list[Weekday] = Field(min_length=1)
    start: HHMM
    end: HHMM
    sellers: int = Field(ge=0, le=10_000)

    _hhmm_start = field_validator("start")(_check_hhmm)
    _hhmm_end = field_validator("end")(_check_hhmm)

    @model_validator(mode="after")
    def _order(self) -> Self:
        if parse_hhmm(self.end) <= parse_hhmm(self.start):
            raise ValueError(
                f"end(={self.end!r}) must be after start(={self.start!r}); "
                "split an overnight shift into two shifts"
            )
        return self

    @property
    def minutes(self) -> tuple[int, int]:
        return parse_hhmm(self.start), parse_hhmm(self.end)


class Team(_Model):
    """The sellers who work the leads."""

    shifts: list[Shift] = Field(min_length=1)
    shrinkage: float = Field(
        0.0, ge=0, lt=0.9, description="share of shift time not available (meetings, breaks)"
    )
    work_holidays: bool = Field(False, description="whether shifts run on public holidays")
    handling_unanswered: Distribution = Field(description="minutes per unanswered attempt")
    handling_conversation: Distribution = Field(
        description="minutes per attempt that reaches the lead"
    )
    cost_per_seller_month: float = Field(0.0, ge=0, description="fully loaded cost per seller")


class Cadence(_Model):
    """How leads are attempted after the first attempt."""

    max_attempts: int = Field(6, ge=1, le=50)
    spacing_minutes: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [60.0],
        description="minutes between attempt k and k+1; the last value repeats",
    )
    business_hours_only: bool = Field(
        True, description="count spacing in business minutes (attempts wait for opening hours)"
    )
    window_days: float = Field(
        10.0, gt=0, description="attempts stop this many days after creation; the lead is nurtured"
    )

    @field_validator("spacing_minutes")
    @classmethod
    def _nonempty(cls, value: list[float]) -> list[float]:
        if not value:
            raise ValueError("spacing_minutes is empty; expected at least one value")
        return value

    def spacing(self, k: int) -> float:
        """Minutes between attempt ``k`` and ``k + 1`` (1-based ``k``)."""
        return self.spacing_minutes[min(k - 1, len(self.spacing_minutes) - 1)]


class Routing(_Model):
    """Which waiting lead a free seller takes next."""

    policy: RoutingPolicy = "fifo"
    age_cutoff_minutes: float | None = Field(
        None, gt=0, description="leads still waiting for a first attempt at this age go to nurture"
    )
    patience_minutes: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        description=(
            "mean of an exponential patience: a lead still waiting for its first attempt after "
            "its patience leaves the queue as nurtured (it bought elsewhere, the Erlang A "
            "abandonment); none = infinite patience"
        ),
    )
    tier_order: list[str] | None = Field(
        None, description="priority order for tier_priority (default: order of [tiers])"
    )


class TierTerms(_Model):
    """The SLA terms for one tier: marketing's quota and sales' response and attempt promises."""

    quota: int = Field(ge=0, description="leads marketing delivers per month")
    response_target_minutes: float = Field(gt=0)
    response_share: Probability = Field(0.9, description="share of leads that must meet the target")
    response_clock: Clock = "business"
    min_attempts: int = Field(1, ge=1, le=50, description="attempts each uncontacted lead gets")
    attempt_share: Probability = Field(
        0.9, description="share of uncontacted leads that must get them"
    )
    qualify_rate_target: Probability | None = Field(
        None, description="share of leads that must become SQLs (conversion promise)"
    )


class SlaTerms(_Model):
    """The agreement being tested."""

    confidence: Probability = Field(
        0.8, description="a term is realistic when met in at least this share of simulated months"
    )
    tiers: dict[str, TierTerms] = Field(default_factory=dict)


class LeadCostCurve(_Model):
    """Buying more leads of a tier costs more per lead beyond a reference volume.

    Leads up to ``reference_volume`` per month cost ``costs.cost_per_lead``; each lead beyond
    it costs ``extra_cost_per_lead`` more (the next campaigns reach pricier audiences). A
    convex, piecewise-linear curve: simple to state in an SLA and to fit from two quotes.
    """

    reference_volume: float = Field(gt=0, description="leads per month at the base price")
    extra_cost_per_lead: float = Field(ge=0, description="surcharge per lead beyond it")


class Costs(_Model):
    """Money: currency, lead cost and margin."""

    currency: str = Field("SEK", min_length=3, max_length=3)
    cost_per_lead: dict[str, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    lead_cost_curve: dict[str, LeadCostCurve] = Field(
        default_factory=dict, description="per tier: leads beyond a reference volume cost more"
    )
    gross_margin: Probability = Field(1.0, description="share of revenue that is margin")


class OptimizeTier(_Model):
    """Free SLA terms of one tier for ``slasim optimize`` (unset = fixed at the scenario's)."""

    volume: list[Annotated[float, Field(ge=0)]] | None = Field(
        None, description="[min, max] leads per month marketing may buy (monthly_volume)"
    )
    volume_step: float = Field(50.0, gt=0, description="grid step of the volume, leads/month")
    response_targets: list[Annotated[float, Field(gt=0)]] | None = Field(
        None, description="menu of response targets in minutes, e.g. [5, 15, 30, 60, 240, 1440]"
    )
    response_shares: list[Annotated[float, Field(gt=0, le=1)]] | None = Field(
        None, description="menu of promised shares within the target, e.g. [0.8, 0.9]"
    )
    min_attempts: list[Annotated[int, Field(ge=1, le=50)]] | None = Field(
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

    @model_validator(mode="after")
    def _shapes(self) -> Self:
        if self.volume is not None and (len(self.volume) != 2 or self.volume[0] > self.volume[1]):
            raise ValueError(f"volume(={self.volume}) must be [min, max] with min <= max")
        for name in ("response_targets", "response_shares", "min_attempts", "qualify_rate_targets"):
            if getattr(self, name) == []:
                raise ValueError(f"{name} is empty; expected at least one value or no key")
        if self.qualify_rate_targets is not None and self.qualify_rate_target is not None:
            raise ValueError(
                f"qualify_rate_targets(={self.qualify_rate_targets}) and qualify_rate_target"
                f"(={self.qualify_rate_target!r}) are both set; expected a menu or \"propose\""
            )
        return self


class Optimize(_Model):
    """What ``slasim optimize`` may change, its objective and its caps.

    Unlisted shifts and tiers keep their scenario values. Money is per month.
    """

    objective: Literal["profit", "cost"] = Field(
        "profit", description="maximize profit, or minimize cost subject to revenue_goal"
    )
    revenue_goal: float | None = Field(
        None, ge=0, description="monthly revenue + pipeline value to reach (objective = cost)"
    )
    budget: float | None = Field(None, gt=0, description="cap on monthly seller + lead cost")
    max_sellers: int | None = Field(None, ge=1, description="cap on sellers over all shifts")
    sellers: dict[str, list[Annotated[int, Field(ge=0, le=10_000)]]] = Field(
        default_factory=dict, description="shift name -> [min, max] sellers"
    )
    routing: list[RoutingPolicy] | None = Field(None, description="routing policies to try")
    tiers: dict[str, OptimizeTier] = Field(default_factory=dict)
    shortlist: int = Field(8, ge=1, le=30, description="candidates simulated after screening")
    verify_reps: int = Field(200, ge=30, le=100_000, description="fresh replications to verify")

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


class Trace(_Model):
    """Replay historical lead creation times instead of generating arrivals."""

    path: str = Field(description="CSV file, relative to the scenario file that names it")
    created_column: str = "created_at"
    tier_column: str = "tier"


class Scenario(_Model):
    """A complete slasim scenario."""

    name: str = Field(min_length=1)
    description: str = ""
    extends: str | None = Field(None, description="parent scenario file this one overrides")
    horizon: Horizon
    calendar: BusinessHours = Field(default_factory=BusinessHours)
    tiers: dict[str, Tier] = Field(min_length=1)
    decay: Decay = Field(default_factory=Decay)
    team: Team
    cadence: Cadence = Field(default_factory=Cadence)
    routing: Routing = Field(default_factory=Routing)
    sla: SlaTerms = Field(default_factory=SlaTerms)
    costs: Costs = Field(default_factory=Costs)
    trace: Trace | None = Field(None, description="replay arrivals from a CSV instead")
    optimize: Optimize | None = Field(None, description="free variables for slasim optimize")

    @model_validator(mode="after")
    def _cross_refs(self) -> Self:
        known = list(self.tiers)
        for where in TIER_REFERENCES:
            node: Any = self
            for part in where.split("."):
                node = getattr(node, part, None)  # None for an absent [optimize] or tier_order
            for name in node or []:
                if name not in self.tiers:
                    raise ValueError(
                        f"{where} names tier {name!r}, which is not in [tiers] {known}"
                    )
        if self.routing.tier_order is not None and sorted(self.routing.tier_order) != sorted(known):
            raise ValueError(
                f"routing.tier_order(={self.routing.tier_order}) must list every tier once: {known}"
            )
        return self

    # -- derived views -------------------------------------------------------------------
    def holidays(self) -> list[date]:
        """Closed dates in the horizon: the country's public holidays plus extra dates."""
        days: set[date] = set(self.calendar.holidays)
        if self.calendar.holiday_country:
            days.update(
                public_holidays(
                    self.calendar.holiday_country, self.horizon.start, self.horizon.days
                )
            )
        return sorted(days)

    def business_calendar(self) -> BusinessCalendar:
        """The business calendar of the horizon."""
        return BusinessCalendar(
            self.horizon.start,
            self.horizon.days,
            self.horizon.timezone,
            self.calendar.open_minutes(),
            self.holidays(),
        )

    def tier_order(self) -> list[str]:
        """Tiers in priority order (``routing.tier_order`` or the order of ``[tiers]``)."""
        return list(self.routing.tier_order or self.tiers)
