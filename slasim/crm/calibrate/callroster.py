"""The roster of a call-level export, from its agent ids: who was serving when.

An agent's calls, sorted by ``answered``, form *blocks*: a call joins the block when it is
answered at most ``gap_minutes`` after the previous call's busy time (talk and wrap-up) ended.
A block is one shift: from the start of the interval (``interval_minutes``, on the local
clock) in which its first call was answered to the end of the interval in which its last call
was answered. The end is read from the last *start* of service, not from the last end of
busy time, because a call taken just before the end of a shift runs past it: counting that
overtime as duty would add an interval to every shift.

What this cannot see, and the documentation says: an agent on duty who took no call (idle, or
in a quiet hour) leaves no trace, so shifts start at the first call and end at the last; a
pause longer than ``gap_minutes`` splits a shift; breaks shorter than that are inside it
(the base scenario's breaks or shrinkage apply on top). At high load, when agents are rarely
idle, the roster is close to the truth; at low load it is a lower bound.

The result is the per-seller roster CSV format of ``team.roster``: ``seller,date,start,end``
(local ``HH:MM``, ``24:00`` as an end; a shift over midnight is split in two).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

__all__ = ["ROSTER_COLUMNS", "RosterEstimate", "estimate_roster", "repeat_weeks_before"]

ROSTER_COLUMNS = ["seller", "date", "start", "end"]
_DAY = 1440


@dataclass(frozen=True)
class RosterEstimate:
    """The estimated roster.

    Attributes
    ----------
    shifts
        ``seller``, ``date`` (YYYY-MM-DD), ``start``, ``end`` (HH:MM), sorted by date, start
        and seller.
    agents
        Agents with at least one answered call.
    duty_hours
        Agent-hours on duty over the period.
    busy_hours
        Agent-hours of talk and wrap-up inside the shifts.
    calls
        Answered calls with an agent (the roster rests on them).
    statement
        Occupancy and the limitation, in words.
    """

    shifts: pd.DataFrame
    agents: int
    duty_hours: float
    busy_hours: float
    calls: int
    interval_minutes: int
    gap_minutes: float

    @property
    def occupancy(self) -> float:
        return self.busy_hours / self.duty_hours if self.duty_hours > 0 else math.nan

    @property
    def statement(self) -> str:
        return (f"{self.agents} agents, {len(self.shifts)} shifts, {self.duty_hours:,.1f} "
                f"agent-hours on duty, busy {self.occupancy:.0%} of it (talk + wrap-up); "
                f"{self.interval_minutes}-minute intervals from the first to the last call "
                f"answered, pauses over {self.gap_minutes:g} min split a shift; agents on duty "
                "without calls leave no trace, so this is a lower bound when agents were idle")


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def estimate_roster(
    agent: pd.Series,
    answered: pd.Series,
    busy_end: pd.Series,
    interval_minutes: int = 15,
    gap_minutes: float = 60.0,
) -> RosterEstimate:
    """Shifts per agent from their answered calls.

    Parameters
    ----------
    agent
        Agent id per call (``None`` when unknown: the call is left out).
    answered, busy_end
        Aware local start of service and end of busy time (wrap-up end, else talk end, else
        the start) per call; NaT ``answered``: the call is left out.
    interval_minutes
        Grid of the shift bounds, a divisor of 1440 (15 or 30 are usual).
    gap_minutes
        Longest pause (idle time between busy spans) inside one shift.
    """
    if interval_minutes <= 0 or _DAY % interval_minutes:
        raise ValueError(f"interval_minutes(={interval_minutes!r}) must divide 1440, e.g. 15")
    if not gap_minutes >= 0:
        raise ValueError(f"gap_minutes(={gap_minutes!r}) must be >= 0")
    keep = agent.notna().to_numpy() & answered.notna().to_numpy()
    frame = pd.DataFrame({
        "agent": agent[keep].astype(str).to_numpy(),
        # Local wall clock in minutes since 1970 (shifts are written on the local clock).
        "start": _wall_minutes(answered[keep]),
        "end": _wall_minutes(busy_end[keep].fillna(answered[keep])),
    }).sort_values(["agent", "start"], kind="stable")
    rows: list[tuple[str, str, str, str]] = []
    duty = busy = 0.0
    step = interval_minutes
    for name, group in frame.groupby("agent", sort=True):
        starts, ends = group["start"].to_numpy(), group["end"].to_numpy()
        block_first, block_last, block_end = starts[0], starts[0], ends[0]
        blocks = []
        for s, e in zip(starts[1:], ends[1:], strict=True):
            if s - block_end > gap_minutes:
                blocks.append((block_first, block_last))
                block_first = s
            block_last = s
            block_end = max(block_end, e)
        blocks.append((block_first, block_last))
        for first, last in blocks:
            lo = math.floor(first / step) * step
            hi = (math.floor(last / step) + 1) * step
            duty += (hi - lo) / 60
            inside = (starts >= lo) & (starts < hi)
            busy += float(np.sum(np.minimum(ends[inside], hi) - starts[inside])) / 60
            day = lo // _DAY * _DAY
            while lo < hi:
                cut = min(hi, day + _DAY)
                date = pd.Timestamp(day * 60, unit="s").date().isoformat()
                rows.append((str(name), date, _hhmm(int(lo - day)), _hhmm(int(cut - day))))
                lo, day = cut, day + _DAY
    shifts = pd.DataFrame(rows, columns=ROSTER_COLUMNS).sort_values(
        ["date", "start", "seller"], kind="stable").reset_index(drop=True)
    return RosterEstimate(shifts, int(frame["agent"].nunique()), duty, busy, len(frame),
                          interval_minutes, gap_minutes)


def _wall_minutes(stamps: pd.Series) -> np.ndarray:
    wall = pd.DatetimeIndex(stamps).tz_localize(None).as_unit("s")
    return np.asarray(wall.asi8, dtype=np.float64) / 60.0


def repeat_weeks_before(shifts: pd.DataFrame, first: date, days: int) -> pd.DataFrame:
    """``shifts`` with rows for the ``days`` dates before ``first`` (a warm-up, which a dated
    roster must cover too): date ``first - j`` copies the rows of the same weekday in the
    export's first week, ``first - j + 7 * ceil(j / 7)``."""
    if days <= 0 or shifts.empty:
        return shifts
    by_date = {d: g for d, g in shifts.groupby("date", sort=False)}
    extra = []
    for j in range(days, 0, -1):
        day = first - timedelta(days=j)
        source = (day + timedelta(days=7 * math.ceil(j / 7))).isoformat()
        if source in by_date:
            extra.append(by_date[source].assign(date=day.isoformat()))
    return pd.concat([*extra, shifts], ignore_index=True) if extra else shifts
