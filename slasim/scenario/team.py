"""The sellers: shifts, breaks, handling times, hires and ramp, and the attempt cadence."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from slasim.limits import MAX_SCHEDULED_SELLERS
from slasim.model.calendar import parse_hhmm
from slasim.model.people import Attrition, Hire, Ramp
from slasim.scenario.fields import (
    HHMM,
    MINUTES_BOUND,
    SELLERS_BOUND,
    AtMost,
    Minutes,
    Money,
    SaneDate,
    StrictModel,
    Weekday,
    check_hhmm,
)

__all__ = ["Breaks", "Cadence", "Distribution", "Shift", "Team"]


class Distribution(StrictModel):
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


class Shift(StrictModel):
    """Sellers on duty on some weekdays between two local times."""

    name: str = ""
    weekdays: list[Weekday] = Field(min_length=1)
    start: HHMM
    end: HHMM
    sellers: Annotated[int, SELLERS_BOUND] = Field(ge=0, strict=True)
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

    _hhmm_start = field_validator("start")(check_hhmm)
    _hhmm_end = field_validator("end")(check_hhmm)

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


class Breaks(StrictModel):
    """Breaks by rule: ``minutes`` off after every ``every_minutes`` of a working stretch."""

    every_minutes: Minutes = Field(
        description="a break starts every this many minutes after a working stretch starts"
    )
    minutes: Minutes = Field(description="length of each break")
    stagger_minutes: Annotated[float, MINUTES_BOUND] = Field(
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


class Team(StrictModel):
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
        _check_scheduled(sum(s.sellers for s in value), f"{len(value):,} shift(s)")
        return value

    @field_validator("hires")
    @classmethod
    def _hired(cls, value: list[Hire], info: ValidationInfo) -> list[Hire]:
        # The shifts alone were checked above (absent when they failed): the hires add seats.
        shifts = info.data.get("shifts")
        if value and shifts is not None:
            _check_scheduled(
                sum(s.sellers for s in shifts) + sum(h.sellers for h in value),
                f"{len(shifts):,} shift(s) and {len(value):,} hire cohort(s)",
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


def _check_scheduled(total: int, what: str) -> None:
    """Raise ``ValueError`` when ``total`` scheduled sellers exceed the bound.

    Each seller's days are held in memory per replication (see
    :data:`slasim.limits.MAX_SCHEDULED_SELLERS`): twenty shifts, each within its own bound,
    made ``check`` use 10 GB.
    """
    if total > MAX_SCHEDULED_SELLERS:
        raise ValueError(
            f"got {total:,} sellers in all ({what}); expected at most "
            f"{MAX_SCHEDULED_SELLERS:,} sellers scheduled in a scenario"
        )


class Cadence(StrictModel):
    """How leads are attempted after the first attempt."""

    max_attempts: int = Field(6, ge=1, le=50, strict=True)
    spacing_minutes: list[Annotated[float, Field(ge=0, strict=True), MINUTES_BOUND]] = Field(
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
