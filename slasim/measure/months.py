"""The calendar months of a horizon: how a quarter (or a year) is judged month by month.

A horizon of at most :data:`ONE_PERIOD_DAYS` days is judged as one period, as it always was
(``months_of`` returns no months: every result is unchanged). A longer horizon is cut at the
local midnights of the 1st of each month in the scenario's time zone; each piece is a
:class:`Month`. A first or last piece that does not cover its whole calendar month is
*partial*: it is labelled so, and its terms are pro rata (a quota scales with the days the
horizon covers, ``quota x days / 30.4375``, exactly as a one-period horizon's quota scales
today; shares and targets are the same every month).

How a month is judged (:func:`slasim.measure.metrics.month_metrics`, the per-term flags of
:mod:`slasim.measure.metrics` on a sub-period; the verdict is
:func:`slasim.measure.verdict.judge_months`):

- marketing's quota, the response, attempt and conversion terms: the leads *created* in the
  month, with their outcomes as they stood at the month's end (a monthly SLA report is run at
  the close of the month: a first attempt, a contact or a qualification after it belongs to
  the next report, and a lead still waiting at the end whose deadline falls after it is left
  out, as at the end of a one-period horizon);
- wins and revenue: the deals *closed* (won) in the month, whenever their lead was created.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from slasim.measure.verdict_words import unit
from slasim.scenario.schema import DAYS_PER_MONTH, Scenario

if TYPE_CHECKING:
    from slasim.measure.verdict import Verdict

__all__ = [
    "LANGS",
    "ONE_PERIOD_DAYS",
    "SEP",
    "SHORTEST_MONTH_DAYS",
    "Month",
    "attempts_unmeasured",
    "leads_needed",
    "month_column",
    "months_of",
    "quota_needed",
    "replication_noun",
    "short_period",
    "split_column",
    "unmeasured_terms",
    "worded",
]

#: Horizons up to this many days are judged as one period (today's results, unchanged).
ONE_PERIOD_DAYS = 31
#: A one-period horizon of at least this many days is called a month (February has 28).
SHORTEST_MONTH_DAYS = 28
#: Separates the tier from the month in a monthly column's tier label: ``"hot@2027-02"``.
SEP = "@"

_NAMES = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "sv": ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
}
_PARTIAL = {"en": "partial", "sv": "del av månaden"}
#: The languages a month is labelled in (the report's).
LANGS: tuple[str, ...] = tuple(_NAMES)


@dataclass(frozen=True)
class Month:
    """One calendar month of a horizon (or the part of it the horizon covers).

    Attributes
    ----------
    key
        ``"2027-02"``: the month in JSON and in monthly column labels.
    first, last
        First and last local day of the horizon in this month.
    start, end
        Simulation minutes (from the horizon start) of ``first``'s and the day after
        ``last``'s local midnight: leads created in ``[start, end)`` belong to the month.
    days_in_month
        Days of the whole calendar month.
    """

    key: str
    first: date
    last: date
    start: float
    end: float
    days_in_month: int

    @property
    def days(self) -> int:
        """Days of the month inside the horizon."""
        return (self.last - self.first).days + 1

    @property
    def partial(self) -> bool:
        """True when the horizon covers only part of the calendar month."""
        return self.days < self.days_in_month

    @property
    def months(self) -> float:
        """Length in average months: what the month's quota is scaled by."""
        return self.days / DAYS_PER_MONTH

    def label(self, lang: str = "en") -> str:
        """``"Feb 2027"``; a partial month ``"Apr 2027 (15-30, partial)"``."""
        text = f"{_NAMES[lang][self.first.month - 1]} {self.first.year}"
        if self.partial:
            text += f" ({self.first.day}\u2013{self.last.day}, {_PARTIAL[lang]})"
        return text


def short_period(days: int) -> int:
    """``days`` when a horizon of ``days`` is one period shorter than a month (a week, a
    fortnight), else 0: its replications are "7-day periods", not "months"."""
    return days if days < SHORTEST_MONTH_DAYS else 0


def unmeasured_terms(scenario: Scenario) -> tuple[str, ...]:
    """The terms no replication of ``scenario`` can measure. The attempt cadence counts the
    unreached leads whose attempt window (``cadence.window_days``) has closed by the end of the
    period judged; with a window at least as long as every period (10 days on a week) no lead
    counts and the term reads "met" in every replication. (A window of exactly the horizon
    still counts a lead created at its first minute: negligible, and called unmeasured.) A
    quarter's short partial month alone does not make the term unmeasured: the other months
    measure it, and that month's verdict is its own. Only a commitment the scenario states
    (``min_attempts`` or ``attempt_share`` of some tier) is named: a textbook queue that
    promises no attempts is not warned about the default one."""
    h = scenario.horizon
    periods = [m.days for m in months_of(h.start, h.days, h.timezone)] or [h.days]
    stated = any({"min_attempts", "attempt_share"} & t.model_fields_set
                 for t in scenario.sla.tiers.values())
    if stated and scenario.cadence.window_days >= max(periods):
        return ("attempts",)
    return ()


def worded(verdict: Verdict, scenario: Scenario) -> Verdict:
    """``verdict`` with what its words need from ``scenario``: the days of a replication
    shorter than a month (:func:`short_period`) and the terms no replication can measure
    (:func:`unmeasured_terms`). The one place every command's verdict gets them."""
    days = 0 if verdict.months else short_period(scenario.horizon.days)
    return replace(verdict, period_days=days, unmeasured=unmeasured_terms(scenario))


def replication_noun(scenario: Scenario) -> str:
    """What a replication of ``scenario`` is, as a plural noun: "months", "7-day periods" for
    a shorter horizon, "90-day periods" for one judged month by month."""
    h = scenario.horizon
    if months_of(h.start, h.days, h.timezone):
        return f"{h.days}-day periods"
    return unit("en", short_period(h.days))


def attempts_unmeasured(scenario: Scenario) -> str:
    """Why the attempt cadence is not measured, in words (see :func:`unmeasured_terms`)."""
    h = scenario.horizon
    period = f"{h.days}-day horizon" if h.days <= ONE_PERIOD_DAYS else "longest month"
    return (f"the attempt cadence cannot be measured: cadence.window_days = "
            f"{scenario.cadence.window_days:g} is at least the {period}, so no lead's attempt "
            "window closes inside it and the term counts as met in every replication")


def leads_needed(quota_in_period: float) -> int:
    """The whole leads that meet a pro-rated quota (``leads >= quota_in_period``): 137.99
    needs 138, 71.29 needs 72. What every text states beside the quota's flag."""
    return math.ceil(quota_in_period)


def quota_needed(quota: float, days: int) -> int:
    """Leads a period of ``days`` days must reach to meet a monthly ``quota``: the quota is
    stated per average month (365.25 / 12 = 30.4375 days) and pro-rated by days, as
    :class:`slasim.measure.metrics.MetricContext` and :attr:`Month.months` scale it
    (:func:`leads_needed` of ``quota x days / 30.4375``)."""
    return leads_needed(quota * (days / DAYS_PER_MONTH))


def months_of(start: date, days: int, timezone: str) -> tuple[Month, ...]:
    """The calendar months of the horizon ``start`` + ``days`` local days in ``timezone``.

    Empty for a horizon of at most :data:`ONE_PERIOD_DAYS` days: it is judged as one period.
    """
    if days <= ONE_PERIOD_DAYS:
        return ()
    tz = ZoneInfo(timezone)

    def minute(d: date) -> float:
        # Whole seconds between local midnights: real elapsed minutes across DST changes,
        # as slasim.model.calendar counts the simulation clock.
        a = datetime.combine(start, time()).replace(tzinfo=tz).timestamp()
        b = datetime.combine(d, time()).replace(tzinfo=tz).timestamp()
        return (round(b) - round(a)) / 60.0

    end = start + timedelta(days=days)
    out = []
    first = start
    while first < end:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        stop = min(following, end)
        whole = (following - date(first.year, first.month, 1)).days
        out.append(Month(f"{first.year:04d}-{first.month:02d}", first,
                         stop - timedelta(days=1), minute(first), minute(stop), whole))
        first = stop
    return tuple(out)


def month_column(tier: str, month: Month | str) -> str:
    """The tier label of a monthly column: ``"hot@2027-02"`` (``"all@2027-02"`` for totals)."""
    key = month.key if isinstance(month, Month) else month
    return f"{tier}{SEP}{key}"


def split_column(label: str) -> tuple[str, str]:
    """``"hot@2027-02"`` -> ``("hot", "2027-02")``; a plain tier label -> ``(label, "")``."""
    tier, _, key = label.partition(SEP)
    return tier, key
