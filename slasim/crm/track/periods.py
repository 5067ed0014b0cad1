"""Calendar months of a CRM export, as :func:`slasim.crm.track.tracker.track` measures them.

A tracked month is the agreement scenario with its horizon set to that month
(:func:`month_scenario`), cut at the *cut-off*: the month end, or the export time for a month
still running. A month cut early is *partial*: its quotas are pro-rated to the elapsed share
of the month (:func:`period_context`), so that a half month is judged against half a quota.
"""

from __future__ import annotations

import calendar as _calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pandas as pd

from slasim.crm.io.imported import CrmImport
from slasim.errors import InputError
from slasim.limits import FIRST_DATE, LAST_DATE, date_range_text
from slasim.measure.metrics import MetricContext
from slasim.scenario.load import scenario_from_dict
from slasim.scenario.schema import Scenario

__all__ = [
    "TrackedPeriod",
    "check_simulable",
    "export_time",
    "month_scenario",
    "period_context",
    "row_accounting",
    "select_periods",
]

_PERIOD = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class TrackedPeriod:
    """One tracked calendar month.

    Attributes
    ----------
    label
        ``YYYY-MM``.
    start, days
        First day and number of days of the month.
    cutoff
        Local time up to which events count: the month end, or the export time if earlier.
    partial
        The export ends before the month does; quotas are pro-rated by ``fraction``.
    fraction
        Elapsed share of the month at the cut-off (1 for a complete month).
    leads
        Leads of the export created in the month.
    not_measurable
        Measures the export cannot give (missing columns, dates without time).

    Data only: :func:`slasim.render.dashboard.describe_period` says it in words.
    """

    label: str
    start: date
    days: int
    cutoff: datetime
    partial: bool
    fraction: float
    leads: int
    not_measurable: tuple[str, ...]


def month_scenario(agreement: Scenario, start: date) -> Scenario:
    """``agreement`` with its horizon set to the calendar month that begins at ``start``.

    The team is the one on duty that month (an agreement over a quarter plans hires and
    leavers across it, and a month's scenario must hold only dates inside the month): a hire
    cohort that starts after the month is not on the team yet; one that started before it
    works its shift from the month start at the tenure it has reached (``tenure_weeks``, so
    ``team.ramp`` goes on where it was) with its shift's owner weight; a shift whose
    ``last_day`` lies before the month's run (its warm-up included) has nobody left
    (``sellers = 0``); a shift's ``tenure_weeks`` grows by the weeks since the agreement's
    start. A cohort that starts inside the month's warm-up works all of the warm-up (a hire
    must start inside the horizon): the queue at the month start is a little shorter.
    """
    days = _calendar.monthrange(start.year, start.month)[1]
    data = agreement.model_dump()
    data["horizon"] = {**data["horizon"], "start": start, "days": days}
    team = data["team"]
    elapsed = (start - agreement.horizon.start).days / 7.0
    last = start + timedelta(days=days - 1)
    run_start = start - timedelta(days=agreement.horizon.warmup_days)
    names = agreement.shift_names()
    shifts = team["shifts"]
    weights = data["routing"].get("owner_weights")
    for shift in shifts:
        # Gone before the month's run (its warm-up included) starts: nobody is left.
        if shift.get("last_day") is not None and shift["last_day"] < run_start:
            shift.update(sellers=0, last_day=None)
        if shift.get("tenure_weeks") is not None:
            shift["tenure_weeks"] = max(0.0, shift["tenure_weeks"] + elapsed)
    hires = []
    for hire in team.get("hires") or []:
        if hire["start"] > last:
            continue  # not on the team yet
        if hire["start"] >= start:
            hires.append(hire)
            continue
        # Joined before this month: the cohort is part of its shift from the month's run
        # start (a cohort starting inside the warm-up works all of it: a hire must start
        # inside the horizon), with its shift's owner weight.
        shift = dict(shifts[names.index(hire["shift"])])
        name = f"{hire['shift']} (from {hire['start'].isoformat()})"
        shift.update(
            name=name, sellers=hire["sellers"], last_day=None,
            tenure_weeks=(start - hire["start"]).days / 7.0,
        )
        shifts.append(shift)
        if weights and hire["shift"] in weights:
            weights[name] = weights[hire["shift"]]
    team["hires"] = hires
    return scenario_from_dict(data, agreement.name)


def export_time(crm: CrmImport, as_of: datetime | pd.Timestamp | None, tz: str) -> pd.Timestamp:
    """The export time in ``tz``: ``as_of`` (naive = local), else the latest time in the export.

    Raises
    ------
    InputError
        When ``as_of`` is before the first lead's creation (see :meth:`CrmImport.check_as_of`).
    """
    if as_of is None:
        # The export time: the latest timestamp anywhere in it (as in calibration).
        stamps = [crm.leads[c].max() for c in crm.date_only.columns if crm.leads[c].notna().any()]
        return pd.Timestamp(max(stamps)).tz_convert(tz)
    return crm.export_stamp(as_of, tz).tz_convert(tz)


def select_periods(period: str | None, months: Sequence[str]) -> list[str]:
    """``months`` (``YYYY-MM``, sorted), or just ``period`` when given.

    Raises
    ------
    InputError
        When ``period`` is not a ``YYYY-MM`` month with leads in the export.
    """
    if period is None:
        return list(months)
    match = _PERIOD.fullmatch(period.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or period.strip() not in months:
        span = f"{months[0]} to {months[-1]}" if len(months) > 1 else months[0]
        raise InputError.single(
            "<cli>", "--period",
            f"got {period!r}; expected a month YYYY-MM in the export's range {span} "
            f"(months with leads: {', '.join(months)})",
        )
    return [period.strip()]


def check_simulable(
    selected: Sequence[str], labels: pd.Series, crm: CrmImport, agreement: Scenario
) -> None:
    """Raise an :class:`InputError` naming the export's row when a selected month cannot be
    simulated: its run (warm-up included) or its end lies outside the scenario's dates.

    The reader keeps dates pandas can hold (1678 to 2261); a month's scenario holds fewer
    (:data:`slasim.limits.FIRST_DATE`). A lead created in 1700 made the month's scenario fail
    on ``horizon.start``, blamed on the agreement instead of the export's row.
    """
    warmup = timedelta(days=agreement.horizon.warmup_days)
    for label in selected:
        start = date(int(label[:4]), int(label[5:]), 1)
        end = start + timedelta(days=_calendar.monthrange(start.year, start.month)[1] - 1)
        if start - warmup >= FIRST_DATE and end <= LAST_DATE:
            continue
        first = crm.leads.loc[labels.index[(labels == label).to_numpy()][0]]
        raise InputError.single(
            crm.summary.source, f"row {first['row']}, column 'created_at'",
            # Local date and time only: a 1700 time stamp has the zone's old mean-time offset
            # (+01:12:12 in Stockholm), noise beside the date that matters.
            f"got {first['created_at'].strftime('%Y-%m-%d %H:%M')}, in month {label} that "
            "cannot be simulated "
            f"(its run must lie within the scenario's dates); expected {date_range_text()} "
            "(a placeholder date: leave the row out, or track one month with --period)",
        )


def row_accounting(
    crm: CrmImport, periods: Sequence[TrackedPeriod], as_of: datetime, period: str | None
) -> str:
    """One line accounting for every used row: tracked, after the export time, outside.

    ``--period`` measured one month and said nothing of the used rows of the other months:
    the import summary's "N used" and the month's lead count did not add up.
    """
    used = crm.summary.rows_used
    tracked = sum(p.leads for p in periods)
    after = int((crm.leads["created_at"] > pd.Timestamp(as_of)).sum())
    outside = used - tracked - after
    months = ", ".join(p.label for p in periods)
    where = f"outside --period {period.strip()}" if period else "outside the tracked months"
    return (
        f"{crm.summary.source}: {used:,} rows used = {tracked:,} tracked ({months}) + "
        f"{after:,} after the export time + {outside:,} {where}"
    )


def period_context(scenario: Scenario, cutoff: float, fraction: float) -> MetricContext:
    """The metric context of a month measured up to ``cutoff`` minutes, quotas pro-rated."""
    ctx = MetricContext.from_scenario(scenario)
    tiers = tuple(
        replace(t, quota_in_period=t.quota_in_period * fraction)
        if t.quota_in_period is not None else t
        for t in ctx.tiers
    )
    return replace(ctx, horizon_minutes=cutoff, tiers=tiers)
