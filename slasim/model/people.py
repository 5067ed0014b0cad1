"""Sellers over time: hired cohorts (``[[team.hires]]``) and their checks against the scenario.

A seller index of the engine is a *seat* (see :mod:`slasim.engine.staff`): a position on a shift, a
roster row or a hire cohort. Hired cohorts are extra seats appended after the shifts' seats;
they work their shift's weekdays and hours from their ``start`` date on. A shift's own sellers
may stop on ``last_day`` (planned leavers) and start the horizon with some tenure
(``tenure_weeks``); both fields live on :class:`slasim.scenario.schema.Shift`.

This module holds the schema of these fields (kept out of the already long
:mod:`slasim.scenario.schema`) and :func:`check_people`, the cross-checks that need the horizon and
the shift names; :class:`slasim.scenario.schema.Scenario` calls it when it validates.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from slasim.limits import FIRST_DATE, LAST_DATE, MAX_SELLERS_PER_SHIFT, date_range_text

if TYPE_CHECKING:
    from slasim.scenario.schema import Scenario

__all__ = [
    "DEFAULT_CONVERSION",
    "DEFAULT_HANDLING",
    "Attrition",
    "Hire",
    "PeopleDate",
    "Ramp",
    "check_people",
    "has_people_changes",
    "ramp_curve",
]


def _check_date(value: date) -> date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"got {value.isoformat()}; expected {date_range_text()}")
    return value


#: A calendar date the simulation can hold (as :data:`slasim.scenario.fields.SaneDate`).
PeopleDate = Annotated[date, AfterValidator(_check_date)]


class _Model(BaseModel):
    # The same configuration as slasim.scenario.schema's models: unknown keys are errors.
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )


class Hire(_Model):
    """A cohort of sellers who join on a date and work a shift's weekdays and hours."""

    shift: str = Field(
        description=(
            "name of the team.shifts entry whose weekdays and hours the cohort works "
            "('shift<index>' for an unnamed shift); not with team.roster (add rows instead)"
        )
    )
    start: PeopleDate = Field(
        description=(
            "first working day, inside the horizon; the cohort works nothing before it and "
            "starts at tenure 0 (week 1 of team.ramp) on that day"
        )
    )
    sellers: int = Field(
        ge=1, le=MAX_SELLERS_PER_SHIFT, strict=True, description="sellers in the cohort"
    )


#: The documented default ramp (``team.ramp = "default"``), by week of tenure. Conversion: a
#: linear climb over 13 weeks from a quarter of a ramped seller's qualify rate, 13 weeks being
#: the average SDR ramp of about three months (The Bridge Group's Sales Development reports,
#: "slightly over three months"; AEs take about five). Handling: 1.5 times a ramped seller's
#: talk and wrap-up in week 1, falling linearly to 1 by week 9 (an AHT "glide path" of a few
#: weeks, as contact-centre planners model new agents; an assumption to calibrate).
DEFAULT_CONVERSION: tuple[float, ...] = tuple(round(0.25 + 0.75 * k / 13, 4) for k in range(13))
DEFAULT_HANDLING: tuple[float, ...] = tuple(round(1.5 - 0.5 * k / 8, 4) for k in range(8))

_Factor = Annotated[float, Field(gt=0, le=100, strict=True)]
_Share = Annotated[float, Field(ge=0, le=100, strict=True)]


class Ramp(_Model):
    """Productivity of a new seller by week of tenure (week 1 first); 1 after each list.

    ``team.ramp = "default"`` is read as the lists :data:`DEFAULT_HANDLING` and
    :data:`DEFAULT_CONVERSION`.
    """

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, value: Any) -> Any:
        if isinstance(value, str):
            if value != "default":
                raise ValueError(
                    f"got {value!r}; expected 'default' or a table with handling_factor "
                    "and/or conversion_factor lists"
                )
            return {
                "handling_factor": list(DEFAULT_HANDLING),
                "conversion_factor": list(DEFAULT_CONVERSION),
            }
        return value

    handling_factor: list[_Factor] = Field(
        default_factory=list,
        max_length=520,
        description=(
            "per week of tenure, multiplies the seller's attempt duration (talk + wrap-up) at "
            "the attempt's start; 1 after the list (e.g. [1.5, 1.3, 1.1])"
        ),
    )
    conversion_factor: list[_Share] = Field(
        default_factory=list,
        max_length=520,
        description=(
            "per week of tenure, multiplies the qualify probability of a lead the seller owns, "
            "at its contact time; 1 after the list (e.g. [0.3, 0.6, 0.9])"
        ),
    )


class Attrition(_Model):
    """Sellers leaving at random: a constant monthly hazard, replaced after a delay."""

    monthly_rate: float = Field(
        gt=0,
        le=5,
        strict=True,
        description=(
            "hazard per seller-month: each seller leaves after an exponential time of mean "
            "1/monthly_rate months (0.03: about 3 % leave within a month); at most 5"
        ),
    )
    replacement_days: int | None = Field(
        None,
        ge=0,
        le=3650,
        strict=True,
        description=(
            "calendar days from a leave to the replacement's first day (its shift's next "
            "working day from then); the replacement ramps from tenure 0 and may leave too; "
            "none = not replaced"
        ),
    )


def ramp_curve(ramp: Ramp | None) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """(handling, conversion) factors by week of tenure of ``team.ramp``; None without one."""
    if ramp is None:
        return None
    if not ramp.handling_factor and not ramp.conversion_factor:
        return None  # an empty ramp changes nothing: run as without one
    return tuple(ramp.handling_factor), tuple(ramp.conversion_factor)


def has_people_changes(scenario: Scenario) -> bool:
    """Whether any seat's working days differ from its shift's: hires or a shift ``last_day``."""
    team = scenario.team
    return bool(team.hires) or any(s.last_day is not None for s in team.shifts)


def check_people(scenario: Scenario) -> None:
    """Raise ``ValueError`` naming the field when hires or shift dates do not fit the scenario.

    A hire must name a shift of ``team.shifts`` and start inside the horizon; ``team.roster``
    has no shift names to refer to, so a roster scenario cannot hire (add the rows to the
    roster file) nor set a shift's ``last_day``/``tenure_weeks`` (the roster overrides the
    shifts). A shift's ``last_day`` must not lie before the run's first day.
    """
    team = scenario.team
    h = scenario.horizon
    first, last = h.start, h.start + timedelta(days=h.days - 1)
    if team.roster is not None:
        if team.hires:
            raise ValueError(
                f"team.hires(={len(team.hires)} cohort(s)) cannot be combined with team.roster"
                f"(={team.roster!r}); expected the new sellers as rows of the roster file "
                "(dated rows from their first day), or team.shifts instead of the roster"
            )
        for j, s in enumerate(team.shifts):
            for name in ("last_day", "tenure_weeks"):
                if getattr(s, name) is not None:
                    raise ValueError(
                        f"team.shifts[{j}].{name} is set but team.roster(={team.roster!r}) "
                        "overrides team.shifts; expected it without the roster (a roster's "
                        "rows already say who works which day)"
                    )
    curve = ramp_curve(team.ramp)
    if curve is not None and any(f != 1.0 for f in curve[1]) and (
        scenario.cadence.max_conversations > 1
    ):
        raise ValueError(
            "team.ramp has conversion factors and cadence.max_conversations(="
            f"{scenario.cadence.max_conversations}) allows follow-up conversations, which "
            "decide qualification inside the event loop where the ramp's conversion factor is "
            "not applied yet; expected max_conversations = 1 or a ramp with handling_factor "
            "only"
        )
    names = scenario.shift_names()
    for k, hire in enumerate(team.hires):
        if hire.shift not in names:
            raise ValueError(
                f"team.hires[{k}].shift(={hire.shift!r}) is not a shift; expected one of "
                f"{names} (team.shifts names; 'shift<index>' for an unnamed one)"
            )
        if not first <= hire.start <= last:
            raise ValueError(
                f"team.hires[{k}].start(={hire.start.isoformat()}) lies outside the horizon; "
                f"expected a date from {first.isoformat()} to {last.isoformat()} (sellers "
                "on duty from the start are team.shifts sellers, with tenure_weeks)"
            )
    for j, s in enumerate(team.shifts):
        if s.last_day is not None and s.last_day < h.run_start:
            raise ValueError(
                f"team.shifts[{j}].last_day(={s.last_day.isoformat()}) lies before the run "
                f"starts ({h.run_start.isoformat()}); expected {h.run_start.isoformat()} or "
                "later (a shift whose sellers never work has sellers = 0)"
            )
