"""The simulated period (:class:`Horizon`) and the business calendar (:class:`BusinessHours`)."""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import date, timedelta
from typing import Self

from pydantic import Field, field_validator, model_validator

from slasim.limits import FIRST_DATE, MAX_WARMUP_DAYS, date_range_text
from slasim.model.calendar import WEEKDAYS, parse_hhmm
from slasim.model.holidays import public_holidays
from slasim.scenario.fields import SaneDate, StrictModel, Weekday

__all__ = ["DAYS_PER_MONTH", "BusinessHours", "Horizon"]

#: Average month length in days; monthly volumes are scaled to the horizon with it.
DAYS_PER_MONTH = 365.25 / 12


class Horizon(StrictModel):
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
        # OSError: a tzdata folder ('Europe') is found but is not a zone file.
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
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


class BusinessHours(StrictModel):
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
