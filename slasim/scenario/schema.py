"""Scenario schema: everything one simulated SLA period needs, validated with pydantic v2.

A scenario is written in TOML (see ``scenarios/baseline.toml``) and loaded with
:func:`slasim.scenario.load.load_scenario`, which resolves ``extends`` overlays and ``--set``
overrides before validating against :class:`Scenario`. Unknown keys are errors so that a
typo never passes silently. Times of day are ``"HH:MM"`` strings in the scenario's time zone;
durations carry their unit in the field name.
"""

from __future__ import annotations

import itertools
import math
import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from slasim.limits import (
    FIRST_DATE,
    LAST_DATE,
    MAX_MINUTES,
    MAX_MONEY,
    MAX_MONTHLY_VOLUME,
    MAX_RATIO,
    MAX_REPS,
    MAX_SALES_CYCLE_DAYS,
    MAX_SELLERS_PER_SHIFT,
    MAX_TOTAL_SELLERS,
    MAX_WARMUP_DAYS,
    MAX_WEIGHT,
    MIN_VERIFY_REPS,
    date_range_text,
)
from slasim.model.calendar import WEEKDAYS, BusinessCalendar, parse_hhmm, public_holidays
from slasim.model.decay import DecayCurve
from slasim.model.decay_presets import get_preset
from slasim.model.decay_spec import curve_from_spec
from slasim.model.people import Attrition, Hire, Ramp, check_people

__all__ = [
    "PATIENCE_FIELDS",
    "TIER_REFERENCES",
    "ArrivalProfile",
    "AtMost",
    "Breaks",
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
    "Patience",
    "Routing",
    "Scenario",
    "Shift",
    "SlaTerms",
    "Team",
    "Tier",
    "TierTerms",
    "Trace",
]



@dataclass(frozen=True)
class AtMost:
    """Upper bound of a number, with the reason the error message gives.

    Used as ``Annotated[float, AtMost(limit, why)]``: the value must be ``<= limit`` (the JSON
    schema shows it as ``maximum``). Every number of the schema has one (see
    :mod:`slasim.limits`): a value beyond it is a mistake that would overflow the model later.
    """

    limit: float
    why: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["maximum"] = self.limit
        return out

    def _check(self, value: float) -> float:
        if value > self.limit:
            raise ValueError(f"got {value!r}; expected at most {self.limit:,.0f} {self.why}")
        return value


# Every number is strict (a boolean is not 1, a quoted "150" is not 150; a float field still
# takes an integer) and bounded above with its reason.
_VOLUME = AtMost(
    MAX_MONTHLY_VOLUME, "leads per month (ten times the inbound volume of the largest sales teams)"
)
_MINUTES = AtMost(MAX_MINUTES, "minutes (one year)")
_MONEY = AtMost(MAX_MONEY, "(10^12: sums over leads and months must stay finite)")
_WEIGHT = AtMost(MAX_WEIGHT, "(relative weights: only their ratios matter)")
_RATIO = AtMost(MAX_RATIO, "(a multiplier beyond 100 is a unit slip, not a plan)")
_SPREAD = AtMost(MAX_WEIGHT, "(a concentration beyond 10^6 is no spread at all)")
_SELLERS = AtMost(MAX_SELLERS_PER_SHIFT, "sellers on one shift")
_DAYS = AtMost(MAX_SALES_CYCLE_DAYS, "days (ten years)")

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Probability = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]
Minutes = Annotated[float, Field(gt=0, strict=True), _MINUTES]
Money = Annotated[float, Field(ge=0, strict=True), _MONEY]
Volume = Annotated[float, Field(ge=0, strict=True), _VOLUME]
Weight = Annotated[float, Field(ge=0, strict=True), _WEIGHT]


def _check_date(value: date) -> date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(
            f"got {value.isoformat()}; expected {date_range_text()} (pandas timestamps span "
            "1677 to 2262)"
        )
    return value


#: A calendar date the simulation can hold (see :data:`slasim.limits.FIRST_DATE`).
SaneDate = Annotated[date, AfterValidator(_check_date)]
RoutingPolicy = Literal["fifo", "newest_first", "tier_priority", "value_index"]
OwnerRule = Literal["first_attempt", "round_robin", "weighted"]  # = slasim.engine.ownership.RULES
Clock = Literal["business", "wall"]
ConfidenceLevel = Literal["side", "joint", "term"]  # = slasim.measure.verdict.LEVELS

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

    start: SaneDate = Field(description=f"first local day of the period, {date_range_text()}")
    days: int = Field(gt=0, le=400, strict=True, description="length of the period in days")
    timezone: str = Field("UTC", description="IANA time zone, e.g. Europe/Stockholm")
    warmup_days: int = Field(
        0, ge=0, le=MAX_WARMUP_DAYS, strict=True,
        description=(
            "days simulated before `start` (same calendar, arrivals, team and routing) and then "
            "discarded from every metric, so the period starts with the backlog and busy "
            "sellers of a running operation; 0 (the default) starts empty: no lead waiting, "
            "every seller free. A trace replay takes the warm-up leads from the trace's own "
            "rows in those days"
        ),
    )

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

    @model_validator(mode="after")
    def _warmup_in_range(self) -> Self:
        if self.run_start < FIRST_DATE:
            raise ValueError(
                f"warmup_days(={self.warmup_days}) starts the run on "
                f"{self.run_start.isoformat()}; expected the warm-up to start on "
                f"{FIRST_DATE.isoformat()} or later"
            )
        return self

    @property
    def simulated_months(self) -> float:
        """Length of the simulated run (warm-up and horizon) in average months."""
        return (self.days + self.warmup_days) / DAYS_PER_MONTH

    @property
    def run_start(self) -> date:
        """First local day simulated: ``start`` minus the warm-up days."""
        return self.start - timedelta(days=self.warmup_days)


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
    holidays: list[SaneDate] = Field(
        default_factory=list, description=f"extra closed dates, each {date_range_text()}"
    )

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
    holiday_factor: Annotated[float, _RATIO] = Field(
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


class Quantiles(_Model):
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

    median: Annotated[float, _MONEY] = Field(gt=0, strict=True)
    p90: Annotated[float, _MONEY] = Field(gt=0, strict=True)

    _max_mean: ClassVar[float] = MAX_MONEY
    _unit: ClassVar[str] = "(money)"


class SalesCycle(Quantiles):
    """Days from qualification to won or lost: median and p90 of a lognormal."""

    median: Annotated[float, _DAYS] = Field(gt=0, strict=True)
    p90: Annotated[float, _DAYS] = Field(gt=0, strict=True)

    # Only draws are used (no mean): their spread is bounded, so that exp() stays finite.
    _max_spread: ClassVar[float] = 100_000


class Tier(_Model):
    """One agreed lead definition (e.g. hot) and how such leads behave."""

    monthly_volume: Volume = Field(
        description=f"expected leads per average month, at most {MAX_MONTHLY_VOLUME:,}"
    )
    dispersion: Annotated[float, _RATIO] = Field(
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
    propensity_concentration: Annotated[float, _SPREAD] | None = Field(
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


class DecayCurveSpec(_Model):
    """A custom decay curve; which fields apply depends on ``kind``."""

    kind: Literal["flat", "exponential", "power_law", "table"]
    half_life_minutes: Minutes | None = None
    scale_minutes: Minutes | None = None
    exponent: Annotated[float, _RATIO] | None = Field(None, gt=0, strict=True)
    floor: float = Field(0.0, ge=0, lt=1, strict=True)
    ages_minutes: list[Annotated[float, Field(ge=0, strict=True), _MINUTES]] | None = None
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
    mean_minutes: Minutes = Field(description="mean minutes, at most one year")
    cv: float = Field(
        0.5, ge=0, le=5, strict=True, description="coefficient of variation (lognormal, gamma)"
    )

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
    sellers: Annotated[int, _SELLERS] = Field(ge=0, strict=True)
    last_day: SaneDate | None = Field(
        None,
        description=(
            "last working day of the shift's sellers (planned leavers: they work nothing "
            "after it); none = they stay the whole horizon"
        ),
    )
    tenure_weeks: Annotated[float, AtMost(5200, "weeks (a century)")] | None = Field(
        None,
        ge=0,
        strict=True,
        description=(
            "the shift's sellers' tenure at the horizon start, in weeks (team.ramp counts from "
            "it); none = fully ramped"
        ),
    )

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


class Breaks(_Model):
    """Breaks by rule: ``minutes`` off after every ``every_minutes`` of a working stretch."""

    every_minutes: Minutes = Field(
        description="a break starts every this many minutes after a working stretch starts"
    )
    minutes: Minutes = Field(description="length of each break")
    stagger_minutes: Annotated[float, _MINUTES] = Field(
        0.0,
        ge=0,
        strict=True,
        description=(
            "seller k (in engine order) shifts its breaks by (k mod n) * stagger_minutes, "
            "n = ceil(every_minutes / stagger_minutes), so sellers do not all break at once; "
            "0: everybody breaks together"
        ),
    )

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if self.minutes >= self.every_minutes:
            raise ValueError(
                f"minutes(={self.minutes:g}) must be below every_minutes(={self.every_minutes:g})"
                "; a break cannot last as long as the work between breaks"
            )
        return self


class Team(_Model):
    """The sellers who work the leads."""

    roster: str | None = Field(
        None,
        description=(
            "roster CSV, relative to the scenario file that names it: seller,date,start,end or "
            "date|weekday,start,end,sellers; overrides team.shifts (see how-to 'Staff from a "
            "roster')"
        ),
    )
    shifts: list[Shift] = Field(
        default_factory=list,
        validate_default=True,
        description="weekly shifts; at least one unless team.roster is given (it overrides them)",
    )
    breaks: Breaks | None = Field(
        None,
        description=(
            "breaks by rule within each working stretch, staggered across sellers, instead of "
            "random shrinkage blocks; shrinkage may be kept on top as absence"
        ),
    )
    shrinkage: float = Field(
        0.0,
        ge=0,
        lt=0.9,
        strict=True,
        description=(
            "share of on-duty time not available, taken as random 30-minute blocks (meetings, "
            "absence; with team.breaks, a share of the time left after the breaks)"
        ),
    )
    work_holidays: bool = Field(False, description="whether shifts run on public holidays")
    handling_unanswered: Distribution = Field(description="minutes per unanswered attempt")
    handling_conversation: Distribution = Field(
        description="minutes per attempt that reaches the lead"
    )
    wrapup_conversation: Distribution | None = Field(
        None,
        description=(
            "minutes of after-call work (notes, CRM update) after an attempt that reaches the "
            "lead: busy time of the seller, and the next attempt's spacing counts from its end; "
            "none = no wrap-up"
        ),
    )
    wrapup_unanswered: Distribution | None = Field(
        None,
        description="minutes of after-call work after an unanswered attempt; none = no wrap-up",
    )
    hires: list[Hire] = Field(
        default_factory=list,
        description=(
            "cohorts of sellers joining during the horizon, each working a team.shifts "
            "entry's weekdays and hours from its start date (extra seats after the shifts' "
            "sellers); see how-to 'Plan a team over time'"
        ),
    )
    ramp: Ramp | None = Field(
        None,
        description=(
            "productivity of new sellers by week of tenure (hires, replacements, shifts with "
            "tenure_weeks): [team.ramp] lists, or \"default\" for the documented default "
            "curve (13 weeks); none = every seller fully productive"
        ),
    )
    attrition: Attrition | None = Field(
        None,
        description=(
            "sellers leaving at random (monthly hazard) and their replacements; none = "
            "nobody leaves"
        ),
    )
    cost_per_seller_month: Money = Field(
        0.0,
        description=(
            "fully loaded cost per seller (a roster: per distinct seller, or per seller of each "
            "shift's peak head count)"
        ),
    )

    @field_validator("shifts")
    @classmethod
    def _staffed(cls, value: list[Shift], info: ValidationInfo) -> list[Shift]:
        if not value and info.data.get("roster") is None:
            raise ValueError(
                "got an empty list and no team.roster; expected at least 1 item "
                "([[team.shifts]]) or team.roster = \"roster.csv\""
            )
        return value

    def work_minutes(self) -> tuple[float, float]:
        """Mean seller minutes per attempt, (reached, unanswered): handling plus wrap-up.

        Every analytic load (``check``, ``plan``, the staffing screen, value-index routing)
        uses these, so the analytic answers count the same busy time as the simulation.
        """
        conv = self.handling_conversation.mean_minutes
        unans = self.handling_unanswered.mean_minutes
        if self.wrapup_conversation is not None:
            conv += self.wrapup_conversation.mean_minutes
        if self.wrapup_unanswered is not None:
            unans += self.wrapup_unanswered.mean_minutes
        return float(conv), float(unans)


class Cadence(_Model):
    """How leads are attempted after the first attempt."""

    max_attempts: int = Field(6, ge=1, le=50, strict=True)
    spacing_minutes: list[Annotated[float, Field(ge=0, strict=True), _MINUTES]] = Field(
        default_factory=lambda: [60.0],
        description="minutes between attempt k and k+1; the last value repeats",
    )
    business_hours_only: bool = Field(
        True, description="count spacing in business minutes (attempts wait for opening hours)"
    )
    window_days: Annotated[float, AtMost(365, "days (one year)")] = Field(
        10.0,
        gt=0,
        strict=True,
        description="attempts stop this many days after creation; the lead is nurtured",
    )
    max_conversations: int = Field(
        1,
        ge=1,
        le=20,
        strict=True,
        description="conversations held with a reached lead at most, until it is qualified "
        "or disqualified; still undecided after them it goes to nurture (1 = the first "
        "conversation decides: qualified, or closed lost)",
    )
    follow_up_days: Annotated[float, AtMost(365, "days (one year)")] = Field(
        2.0,
        gt=0,
        strict=True,
        description="calendar days from the end of a conversation that left the lead "
        "undecided to its booked follow-up conversation (moved to the next opening hour "
        "when business_hours_only); a follow-up past window_days or the horizon is not held",
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


PatienceDist = Literal["exponential", "lognormal", "weibull", "empirical"]
#: Fields of :class:`Patience` each distribution needs; the others must be absent.
PATIENCE_FIELDS: dict[str, tuple[str, ...]] = {
    "exponential": ("mean_minutes",),
    "lognormal": ("mean_minutes", "cv"),
    "weibull": ("mean_minutes", "cv"),
    "empirical": ("minutes", "abandoned_share"),
}


class Patience(_Model):
    """How long a lead waits for its first attempt before it leaves the queue, in minutes.

    ``slasim.engine.patience`` turns it into the law the engine draws from; see the explanation page
    "Leads that give up waiting".
    """

    dist: PatienceDist = Field(
        description=(
            "exponential (mean_minutes), lognormal or weibull (mean_minutes and cv), or "
            "empirical (minutes and abandoned_share)"
        )
    )
    mean_minutes: Minutes | None = Field(
        None, description="mean patience in minutes (exponential, lognormal, weibull)"
    )
    cv: float | None = Field(
        None,
        ge=0.01,
        le=20,
        strict=True,
        description=(
            "coefficient of variation of the patience, 0.01 to 20 (lognormal, weibull; the "
            "exponential's is 1)"
        ),
    )
    minutes: list[Minutes] | None = Field(
        None, description="empirical: ages in minutes, increasing"
    )
    abandoned_share: list[Probability] | None = Field(
        None,
        description=(
            "empirical: share of leads whose patience is at most each age of minutes, "
            "nondecreasing in [0, 1], linear in between (from 0 at age 0); the rest never "
            "abandon"
        ),
    )

    @model_validator(mode="after")
    def _fields_of_dist(self) -> Self:
        needs = PATIENCE_FIELDS[self.dist]
        for name in ("mean_minutes", "cv", "minutes", "abandoned_share"):
            value = getattr(self, name)
            if name in needs and value is None:
                raise ValueError(
                    f"dist={self.dist!r} needs {name}; expected {' and '.join(needs)}"
                )
            if name not in needs and value is not None and not (name == "cv" and value == 1):
                raise ValueError(
                    f"{name}(={value!r}) is not used by dist={self.dist!r}; expected only "
                    f"{' and '.join(needs)}"
                )
        if self.dist == "empirical":
            ages, shares = self.minutes or [], self.abandoned_share or []
            if not ages or len(ages) != len(shares):
                raise ValueError(
                    f"minutes has {len(ages)} ages and abandoned_share {len(shares)} shares; "
                    "expected the same number, at least one"
                )
            for k in range(1, len(ages)):
                if ages[k] <= ages[k - 1]:
                    raise ValueError(
                        f"minutes[{k}](={ages[k]!r}) is not after minutes[{k - 1}]"
                        f"(={ages[k - 1]!r}); expected increasing ages"
                    )
                if shares[k] < shares[k - 1]:
                    raise ValueError(
                        f"abandoned_share[{k}](={shares[k]!r}) is below abandoned_share"
                        f"[{k - 1}](={shares[k - 1]!r}); expected shares that never decrease "
                        "(a share of leads with patience at most each age)"
                    )
        return self


class Routing(_Model):
    """Which waiting lead a free seller takes next."""

    policy: RoutingPolicy = "fifo"
    age_cutoff_minutes: Minutes | None = Field(
        None, description="leads still waiting for a first attempt at this age go to nurture"
    )
    patience_minutes: Minutes | None = Field(
        None,
        description=(
            "mean of an exponential patience: a lead still waiting for its first attempt after "
            "its patience leaves the queue as nurtured (it bought elsewhere, the Erlang A "
            "abandonment); none = infinite patience. Shorthand for [routing.patience] with "
            'dist = "exponential"; give one or the other'
        ),
    )
    patience: Patience | None = Field(
        None,
        description=(
            "patience of a lead waiting for its first attempt (exponential, lognormal, weibull "
            "or an empirical table); none = infinite patience"
        ),
    )
    tier_order: list[str] | None = Field(
        None, description="priority order for tier_priority (default: order of [tiers])"
    )
    owner: OwnerRule = Field(
        "first_attempt",
        description=(
            "who owns a lead: first_attempt = the seller who makes its first attempt; "
            "round_robin = at creation, the next seat in rotation that is on shift (skipping "
            "seats off shift, on a break or vacant); weighted = at creation, a seat on shift "
            "drawn with routing.owner_weights. An assigned lead waits in its owner's queue "
            "for its first attempt (see how-to 'Lead ownership')"
        ),
    )
    owner_weights: dict[str, Weight] | None = Field(
        None,
        description=(
            "for owner = weighted: relative weight of each seat of a shift, by shift name "
            "(a shift not listed weighs 1; 0 = its seats get no new leads)"
        ),
    )
    keep_owner: bool = Field(
        False,
        description=(
            "true: every later attempt (retry) of a lead waits for its owner; false: a retry "
            "goes to whichever seller is free"
        ),
    )
    short_abandon_seconds: Annotated[
        float, AtMost(3600, "seconds (an hour is not a short abandonment)")
    ] = Field(
        10.0,
        gt=0,
        strict=True,
        description=(
            "a lead that gives up within this many seconds of its creation is a short "
            "abandonment (metric abandoned_short_share: too quick for any staffing to "
            "catch); it changes no simulated lead"
        ),
    )

    @model_validator(mode="after")
    def _one_patience(self) -> Self:
        if self.patience_minutes is not None and self.patience is not None:
            raise ValueError(
                f"patience_minutes(={self.patience_minutes!r}) and [routing.patience] are both "
                "given; expected one: patience_minutes is the shorthand for an exponential "
                "[routing.patience]"
            )
        return self

    @model_validator(mode="after")
    def _owner_weights(self) -> Self:
        if self.owner_weights is not None and self.owner != "weighted":
            raise ValueError(
                f"owner_weights(={self.owner_weights!r}) is only read with owner = "
                f"\"weighted\"; got owner = {self.owner!r}"
            )
        return self

    def patience_spec(self) -> Patience | None:
        """The patience as one :class:`Patience` (the shorthand made explicit), None if none."""
        if self.patience_minutes is not None:
            # Already validated as the Minutes it is: not checked twice.
            return Patience.model_construct(dist="exponential", mean_minutes=self.patience_minutes)
        return self.patience


class TierTerms(_Model):
    """The SLA terms for one tier: marketing's quota and sales' response and attempt promises."""

    quota: Annotated[int, _VOLUME] = Field(
        ge=0, strict=True, description="leads marketing delivers per month"
    )
    response_target_minutes: Minutes
    response_share: Probability = Field(0.9, description="share of leads that must meet the target")
    response_clock: Clock = "business"
    min_attempts: int = Field(
        1, ge=1, le=50, strict=True, description="attempts each uncontacted lead gets"
    )
    attempt_share: Probability = Field(
        0.9, description="share of uncontacted leads that must get them"
    )
    qualify_rate_target: Probability | None = Field(
        None, description="share of leads that must become SQLs (conversion promise)"
    )


class SlaTerms(_Model):
    """The agreement being tested."""

    confidence: Probability = Field(
        0.8,
        description="the agreement is realistic when kept in at least this share of simulated "
        "months (what must be kept: confidence_level)",
    )
    confidence_level: ConfidenceLevel = Field(
        "side",
        description="what must reach the confidence: 'side' (each side keeps all its terms "
        "together), 'joint' (both sides in the same month) or 'term' (each term on its own)",
    )
    tiers: dict[str, TierTerms] = Field(default_factory=dict)


class LeadCostCurve(_Model):
    """Buying more leads of a tier costs more per lead beyond a reference volume.

    Leads up to ``reference_volume`` per month cost ``costs.cost_per_lead``; each lead beyond
    it costs ``extra_cost_per_lead`` more (the next campaigns reach pricier audiences). A
    convex, piecewise-linear curve: simple to state in an SLA and to fit from two quotes.
    """

    reference_volume: Volume = Field(gt=0, description="leads per month at the base price")
    extra_cost_per_lead: Money = Field(description="surcharge per lead beyond it")


class Costs(_Model):
    """Money: currency, lead cost and margin."""

    currency: str = Field("SEK", min_length=3, max_length=3)
    cost_per_lead: dict[str, Money] = Field(default_factory=dict)
    lead_cost_curve: dict[str, LeadCostCurve] = Field(
        default_factory=dict, description="per tier: leads beyond a reference volume cost more"
    )
    gross_margin: Probability = Field(1.0, description="share of revenue that is margin")


class OptimizeTier(_Model):
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
    revenue_goal: Money | None = Field(
        None, description="monthly revenue + pipeline value to reach (objective = cost)"
    )
    budget: Money | None = Field(None, gt=0, description="cap on monthly seller + lead cost")
    max_sellers: Annotated[int, AtMost(MAX_TOTAL_SELLERS, "sellers")] | None = Field(
        None, ge=1, strict=True, description="cap on sellers over all shifts"
    )
    sellers: dict[str, list[Annotated[int, Field(ge=0, strict=True), _SELLERS]]] = Field(
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

    @field_validator("tiers", mode="before")
    @classmethod
    def _tier_names(cls, value: Any) -> Any:
        # Before the tiers themselves: a bad name is the one mistake, not the fields under it.
        for name in value if isinstance(value, dict) else ():
            if not isinstance(name, str) or not name.strip() or name != name.strip():
                raise ValueError(
                    f"tier name {name!r} is empty or has spaces around it; expected a name "
                    "such as 'hot'"
                )
            if name == "all":  # the metrics' column of totals over every tier
                raise ValueError(
                    "tier name 'all' is reserved for the totals over every tier; expected "
                    "another name"
                )
        return value

    @model_validator(mode="after")
    def _cross_refs(self) -> Self:
        check_people(self)  # hires and shift dates against the horizon and the shift names
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
        weights = self.routing.owner_weights or {}
        shifts = self.shift_names()
        if self.team.roster is None and any(name not in shifts for name in weights):
            unknown = [name for name in weights if name not in shifts]
            raise ValueError(
                f"routing.owner_weights(={weights!r}) names shift(s) {unknown}; expected "
                f"shift names of team.shifts {shifts}"
            )
        if self.routing.tier_order is not None and sorted(self.routing.tier_order) != sorted(known):
            raise ValueError(
                f"routing.tier_order(={self.routing.tier_order}) must list every tier once: {known}"
            )
        return self

    # -- derived views -------------------------------------------------------------------
    def holidays(self, *, warmup: bool = False) -> list[date]:
        """Closed dates in the horizon (with ``warmup``: from the warm-up's first day): the
        country's public holidays plus extra dates."""
        h = self.horizon
        start, days = (h.run_start, h.days + h.warmup_days) if warmup else (h.start, h.days)
        out: set[date] = set(self.calendar.holidays)
        if self.calendar.holiday_country:
            out.update(public_holidays(self.calendar.holiday_country, start, days))
        return sorted(out)

    def business_calendar(self, *, warmup: bool = False) -> BusinessCalendar:
        """The business calendar of the horizon.

        With ``warmup``, the calendar of the whole simulated run: the ``horizon.warmup_days``
        before ``horizon.start`` and then the horizon; its minute 0 is the warm-up's first local
        midnight (the horizon's own calendar when there is no warm-up).
        """
        h = self.horizon
        return BusinessCalendar(
            h.run_start if warmup else h.start,
            h.days + h.warmup_days if warmup else h.days,
            h.timezone,
            self.calendar.open_minutes(),
            self.holidays(warmup=warmup),
        )

    def shift_names(self) -> list[str]:
        """Each shift's key, as users type it (``optimize.sellers.<key>``): its ``name``, or
        ``shift<index>`` for an unnamed one. Every command names shifts this way."""
        return [s.name or f"shift{j}" for j, s in enumerate(self.team.shifts)]

    def tier_order(self) -> list[str]:
        """Tiers in priority order (``routing.tier_order`` or the order of ``[tiers]``)."""
        return list(self.routing.tier_order or self.tiers)
