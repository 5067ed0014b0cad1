"""Who is on duty when: sellers' working intervals from ``team.shifts`` or ``team.roster``
(the breaks within them: :mod:`slasim.engine.breaks`).

:func:`staffing` is the one place that turns a scenario's staffing into sellers: the engine
(:func:`slasim.engine.compile.prepare`), ``check`` and ``plan`` all read it, so the simulation
and the analytic side see the same sellers on duty.

Sellers from a roster
---------------------
Rows are grouped into *shifts*: the ``shift`` column when the file has one; otherwise, in the
head-count layouts, the hours (``"09:00-17:00"``), and in the one-row-per-seller layout a single
shift ``"roster"``. Shifts are numbered in order of first appearance in the file, and the engine
lists sellers shift by shift, like ``team.shifts``:

- head counts: shift ``j`` has as many sellers as its largest head count; its seller of rank
  ``r`` (0-based) works every row of the shift whose head count is above ``r``;
- one row per seller: a seller belongs to the shift of their first row; within a shift sellers
  are ranked in order of first appearance, and each works exactly their own rows.

The engine order is the dispatch order among idle sellers, and seller ``(j, r)`` draws its
random shrinkage from the stream ``shrinkage/j/r`` -- the key ``team.shifts`` uses. A roster
that lists the weekly shifts in order (one shift per distinct hours, or a ``shift`` column)
therefore reproduces their simulation exactly.

A dated row works on its date even on a public holiday (a roster is explicit); a weekday row
is a weekly pattern and skips holidays unless ``team.work_holidays``, like a shift. Dated rows
entirely outside the horizon are ignored, and counted in :attr:`Staffing.outside_lines` (``check``
reports them). The head count (``cost_per_seller_month``) is the number of engine sellers:
the distinct sellers on duty in the horizon, or for head counts the sum over shifts of each
shift's peak.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from slasim.engine.breaks import merge_touching, working_intervals
from slasim.engine.tenure import expected_weight, seat_factors
from slasim.errors import InputError
from slasim.limits import MAX_SCHEDULED_SELLERS
from slasim.model.calendar import WEEKDAYS, BusinessCalendar
from slasim.model.people import has_people_changes, ramp_curve
from slasim.model.roster import Roster, RosterRow, hhmm_text, read_roster
from slasim.scenario.schema import DAYS_PER_MONTH, Breaks, Scenario

__all__ = [
    "Staffing",
    "effective_shrinkage",
    "head_count",
    "paid_seller_months",
    "seat_weights",
    "staffing",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Staffing:
    """The sellers of a scenario and their on-duty intervals (before any break).

    Attributes
    ----------
    group_names
        Shift names: ``scenario.shift_names()``, or the roster's shifts.
    group_sellers
        Sellers of each shift (a roster shift: its peak head count or distinct sellers).
    group_days
        Per shift, ``(k, 2)`` sorted intervals in simulation minutes when it is on duty (a
        weekly shift: one per day, also with zero sellers).
    seller_group, seller_rank
        Per engine seller: its shift and rank within the shift.
    seller_days
        Per engine seller, its ``(k, 2)`` sorted on-duty intervals.
    outside_lines
        Roster lines whose dated shift lies entirely outside the horizon (ignored).
    roster
        The roster file, or ``None`` for ``team.shifts``.
    weight
        ``weight(s, t)``: the expected productive share of seller ``s`` at the minutes ``t``
        (:func:`seat_weights`: ``1 / handling factor`` of ``team.ramp``, times the expected
        occupied share under ``team.attrition``); ``None`` when both are off (share 1).
    seller_start
        Per engine seller, the minute its tenure is 0 (a hire's start date, the horizon start
        less a shift's ``tenure_weeks``); ``-inf`` for a fully ramped seller, and ``None``
        (everybody fully ramped) for a roster.
    """

    group_names: tuple[str, ...]
    group_sellers: tuple[int, ...]
    group_days: tuple[FloatArray, ...]
    seller_group: IntArray
    seller_rank: IntArray
    seller_days: tuple[FloatArray, ...]
    outside_lines: tuple[int, ...] = ()
    roster: str | None = None
    seller_start: FloatArray | None = None
    weight: Callable[[int, FloatArray], FloatArray] | None = None

    @property
    def head_count(self) -> int:
        """Sellers paid ``cost_per_seller_month``: every engine seller."""
        return len(self.seller_days)

    @property
    def uniform(self) -> bool:
        """Whether every seller works exactly its shift's days (weekly shifts without hires or
        ``last_day``): then a shift's capacity is its sellers times its days."""
        return self.roster is None and all(
            d is self.group_days[g]
            for g, d in zip(self.seller_group.tolist(), self.seller_days, strict=True)
        )

    def on_duty(self, t: FloatArray, *, weighted: bool = False) -> npt.NDArray[Any]:
        """``(shifts, len(t))`` number of each shift's sellers on duty at the times ``t``.

        With ``weighted`` (and a :attr:`weight`), each counts its expected productive share:
        the effective sellers that ``check`` and ``plan`` staff with.
        """
        if weighted and self.weight is not None:
            out_w = np.zeros((len(self.group_names), len(t)))
            for s, (g, days) in enumerate(
                zip(self.seller_group.tolist(), self.seller_days, strict=True)
            ):
                out_w[g] += _covers(days, t) * self.weight(s, t)
            return out_w
        out = np.zeros((len(self.group_names), len(t)), dtype=np.int64)
        seen: dict[int, npt.NDArray[np.bool_]] = {}
        for g, days in zip(self.seller_group.tolist(), self.seller_days, strict=True):
            on = seen.get(id(days))  # weekly shifts share one array among their sellers
            if on is None:
                on = _covers(days, t)
                seen[id(days)] = on
            out[g] += on
        return out

    def working_minutes(self, breaks: Breaks | None, *, weighted: bool = False) -> FloatArray:
        """Per shift: seller minutes on duty after the breaks by rule (before shrinkage).

        With ``weighted`` (and a :attr:`weight`), each piece counts its expected productive
        share at its midpoint: full-productivity minutes.
        """
        out = np.zeros(len(self.group_names))
        for s, (g, days) in enumerate(
            zip(self.seller_group.tolist(), self.seller_days, strict=True)
        ):
            iv = working_intervals(days, breaks, s)
            length = iv[:, 1] - iv[:, 0]
            if weighted and self.weight is not None:
                length = length * self.weight(s, (iv[:, 0] + iv[:, 1]) / 2)
            out[g] += float(length.sum())
        return out


def _covers(days: FloatArray, t: FloatArray) -> npt.NDArray[np.bool_]:
    if not len(days):
        return np.zeros(len(t), dtype=bool)
    k = np.searchsorted(days[:, 0], t, side="right") - 1
    return (k >= 0) & (t < days[np.clip(k, 0, None), 1])


def staffing(scenario: Scenario, *, warmup: bool = False) -> Staffing:
    """The sellers of ``scenario``: from ``team.roster`` when given, else ``team.shifts``.

    Times are minutes of the horizon, or with ``warmup`` of the whole simulated run (from the
    first of the ``horizon.warmup_days``,
    :meth:`~slasim.scenario.schema.Scenario.business_calendar`):
    a dated roster row in the warm-up days is worked then, so a dated roster warms up only
    with rows for those days.

    Raises
    ------
    InputError
        The roster file cannot be read or has a bad row (see
        :func:`slasim.model.roster.read_roster`).
    """
    cal = scenario.business_calendar(warmup=warmup)
    team = scenario.team
    if team.roster is not None:
        return _weighted(scenario, cal, _from_roster(read_roster(team.roster), cal,
                                                     team.work_holidays))
    days: list[FloatArray] = []
    group: list[int] = []
    rank: list[int] = []
    seller_days: list[FloatArray] = []
    tenure0: list[float] = []
    horizon_start = _day_minute(cal, scenario.horizon.start)
    for j, shift in enumerate(team.shifts):
        start, end = shift.minutes
        iv = cal.intervals_for(
            [WEEKDAYS.index(d) for d in shift.weekdays], start, end,
            skip_holidays=not team.work_holidays,
        )
        iv.setflags(write=False)
        days.append(iv)
        group += [j] * shift.sellers
        rank += list(range(shift.sellers))
        seat = iv
        if shift.last_day is not None:
            # Planned leavers: the days that start after their last day are not worked.
            seat = _frozen(iv[iv[:, 0] < _day_minute(cal, shift.last_day + timedelta(days=1))])
        seller_days += [seat] * shift.sellers
        weeks = shift.tenure_weeks
        tenure0 += [-math.inf if weeks is None else horizon_start - weeks * 7 * 1440.0] * (
            shift.sellers
        )
    sellers = [s.sellers for s in team.shifts]
    if team.hires:
        names = scenario.shift_names()
        for hire in team.hires:
            # Extra seats after every shift's seats, ranked after the shift's sellers (and its
            # earlier cohorts): their shrinkage stream is the one an extra seller of the shift
            # would draw.
            j = names.index(hire.shift)
            iv = days[j]
            seat = _frozen(iv[iv[:, 0] >= _day_minute(cal, hire.start)])
            group += [j] * hire.sellers
            rank += list(range(sellers[j], sellers[j] + hire.sellers))
            sellers[j] += hire.sellers
            seller_days += [seat] * hire.sellers
            tenure0 += [_day_minute(cal, hire.start)] * hire.sellers
        if len(seller_days) > MAX_SCHEDULED_SELLERS:
            raise InputError.single(
                scenario.source_of("team.hires"), "team.hires",
                f"the shifts and hires make {len(seller_days):,} sellers; expected at most "
                f"{MAX_SCHEDULED_SELLERS:,}",
            )
    group_days = tuple(days)
    if has_people_changes(scenario):
        # A shift is on duty when one of its seats is (all of them may start late or stop
        # early); a shift without seats keeps its own days, as without these fields.
        per_group: list[list[FloatArray]] = [[] for _ in days]
        for g, seat in zip(group, seller_days, strict=True):
            per_group[g].append(seat)
        group_days = tuple(
            d if not seats or any(x is d for x in seats)
            else _frozen(np.unique(np.concatenate(seats), axis=0).reshape(-1, 2))
            for d, seats in zip(days, per_group, strict=True)
        )
    return _weighted(scenario, cal, Staffing(
        group_names=tuple(scenario.shift_names()),
        group_sellers=tuple(sellers),
        group_days=group_days,
        seller_group=np.array(group, dtype=np.int64),
        seller_rank=np.array(rank, dtype=np.int64),
        seller_days=tuple(seller_days),
        seller_start=np.array(tenure0, dtype=np.float64),
    ))


def _weighted(scenario: Scenario, cal: BusinessCalendar, staff: Staffing) -> Staffing:
    """``staff`` with its :attr:`Staffing.weight` when ``team.ramp`` slows handling or
    ``team.attrition`` is set (see :func:`seat_weights`)."""
    weight = seat_weights(scenario, cal, staff)
    return staff if weight is None else replace(staff, weight=weight)


def seat_weights(
    scenario: Scenario, cal: BusinessCalendar, staff: Staffing
) -> Callable[[int, FloatArray], FloatArray] | None:
    """``weight(s, t)``: seller ``s``'s expected productive share at the minutes ``t``.

    ``1 / handling factor`` of its tenure week (``team.ramp``: a seller twice as slow does half
    the work), exactly; with ``team.attrition`` the expected share over leaves and ramping
    replacements (:func:`slasim.engine.tenure.expected_weight`, on a daily grid). ``None`` when the
    ramp does not change handling and nobody leaves: every seller counts 1, as before.
    """
    team = scenario.team
    curve = ramp_curve(team.ramp)
    handling = curve[0] if curve is not None else ()
    slows = any(f != 1.0 for f in handling)
    if not slows and team.attrition is None:
        return None
    n = staff.head_count
    start = staff.seller_start if staff.seller_start is not None else np.full(n, -math.inf)
    if team.attrition is None:
        factors = seat_factors((handling, ()), [[t] for t in start.tolist()])

        def ramp_only(s: int, t: FloatArray) -> FloatArray:
            return 1.0 / factors.handling_of(np.full(len(t), s, dtype=np.int64), t)

        return ramp_only
    rate = team.attrition.monthly_rate / (DAYS_PER_MONTH * 1440.0)
    days = team.attrition.replacement_days
    grid = np.arange(cal.days + 1, dtype=np.float64) * 1440.0
    cache: dict[float, FloatArray] = {}
    for t0 in set(start.tolist()):
        cache[t0] = expected_weight(
            t0, handling, rate, None if days is None else days * 1440.0, grid
        )

    def with_attrition(s: int, t: FloatArray) -> FloatArray:
        return np.interp(t, grid, cache[float(start[s])])

    return with_attrition


def _day_minute(cal: BusinessCalendar, day: date) -> float:
    """Minute of ``day``'s local midnight in ``cal`` (0 before it starts, its end after it)."""
    k = (day - cal.start).days
    return float(cal.day_start[min(max(k, 0), cal.days)])


def _frozen(a: FloatArray) -> FloatArray:
    a.setflags(write=False)
    return a


def _row_intervals(
    row: RosterRow, cal: BusinessCalendar, work_holidays: bool
) -> list[tuple[float, float]]:
    if row.weekday is not None:
        iv = cal.intervals_for([row.weekday], row.start, row.end, skip_holidays=not work_holidays)
        return [(float(a), float(b)) for a, b in iv.tolist()]
    assert row.day is not None
    if not cal.start - timedelta(days=1) <= row.day <= cal.start + timedelta(days=cal.days):
        return []  # far outside the horizon (and maybe beyond what time zones can convert)
    a, b = cal.local_minute(row.day, row.start), cal.local_minute(row.day, row.end)
    a, b = max(a, 0.0), min(b, cal.horizon_minutes)
    return [(a, b)] if b > a else []


def _as_array(spans: list[tuple[float, float]]) -> FloatArray:
    out = np.array(sorted(spans), dtype=np.float64).reshape(-1, 2)
    out.setflags(write=False)
    return out


def _from_roster(roster: Roster, cal: BusinessCalendar, work_holidays: bool) -> Staffing:
    names: list[str] = []
    spans: list[list[tuple[float, float]]] = []  # per shift, all its rows' intervals
    outside: list[int] = []
    # (shift index, seller key) -> intervals; the key is the seller id, or the rank for counts.
    sellers: dict[tuple[int, object], list[tuple[float, float]]] = {}
    first_shift: dict[str, int] = {}  # one-row-per-seller: the shift of a seller's first row
    for row in roster.rows:
        iv = _row_intervals(row, cal, work_holidays)
        if not iv:
            if row.day is not None:
                outside.append(row.line)  # a weekday row is a pattern: it has no "outside"
            continue
        if roster.layout == "seller" and row.seller in first_shift:
            j = first_shift[row.seller]
        else:
            hours = f"{hhmm_text(row.start)}-{hhmm_text(row.end)}"
            name = row.shift or ("roster" if roster.layout == "seller" else hours)
            if name not in names:
                names.append(name)
                spans.append([])
            j = names.index(name)
        spans[j] += iv
        if roster.layout == "seller":
            first_shift.setdefault(row.seller, j)
            sellers.setdefault((j, row.seller), []).extend(iv)
        else:
            for r in range(row.sellers):
                sellers.setdefault((j, r), []).extend(iv)
    if len(sellers) > MAX_SCHEDULED_SELLERS:
        raise InputError.single(
            roster.path, "", f"has {len(sellers):,} sellers; expected at most "
            f"{MAX_SCHEDULED_SELLERS:,} sellers scheduled in a scenario",
        )
    if not sellers:
        # Every dated row outside the run (a roster of another year): check crashed, the
        # other commands simulated a month without a seller.
        days = sorted(row.day for row in roster.rows if row.day is not None)
        span = f"its rows run from {days[0]} to {days[-1]}" if days else "it has no row"
        raise InputError.single(
            roster.path, "", f"has no working time inside the simulated run "
            f"({cal.to_local(0.0).date()} to {cal.to_local(cal.horizon_minutes - 1.0).date()}); "
            f"{span}; expected rows dated inside the horizon (or weekday rows)",
        )
    # Engine order: shift by shift, then rank (counts) or first appearance (one row per seller).
    keys = sorted(sellers, key=lambda k: k[0])  # stable: insertion order within a shift
    if roster.layout != "seller":
        keys = sorted(sellers, key=lambda k: (k[0], k[1]))
    rank: list[int] = []
    seen = [0] * len(names)
    for j, _ in keys:
        rank.append(seen[j])
        seen[j] += 1
    return Staffing(
        group_names=tuple(names),
        group_sellers=tuple(seen),
        # The union of the shift's sellers' intervals (they may overlap in a per-seller roster).
        group_days=tuple(_as_array(merge_touching(_as_array(g))) for g in spans),
        seller_group=np.array([j for j, _ in keys], dtype=np.int64),
        seller_rank=np.array(rank, dtype=np.int64),
        seller_days=tuple(_as_array(sellers[k]) for k in keys),
        outside_lines=tuple(outside),
        roster=roster.path,
    )


# -- breaks by rule --------------------------------------------------------------------------


def head_count(scenario: Scenario) -> int:
    """Sellers paid ``team.cost_per_seller_month``: the shifts' sellers, or the roster's
    (:attr:`Staffing.head_count`)."""
    team = scenario.team
    if team.roster is None:
        return sum(s.sellers for s in team.shifts) + sum(h.sellers for h in team.hires)
    return staffing(scenario).head_count


def paid_seller_months(scenario: Scenario) -> float:
    """Seller-months paid ``team.cost_per_seller_month`` over the horizon.

    Every seat for the whole horizon (:func:`head_count` times its months), except that a hired
    cohort is paid from its ``start`` and a shift with ``last_day`` up to that day (inclusive).
    """
    h = scenario.horizon
    if not has_people_changes(scenario):
        return head_count(scenario) * h.months
    end = h.start + timedelta(days=h.days)  # the day after the horizon
    days = 0
    for shift in scenario.team.shifts:
        last = end if shift.last_day is None else min(shift.last_day + timedelta(days=1), end)
        days += shift.sellers * max((last - h.start).days, 0)
    for hire in scenario.team.hires:
        days += hire.sellers * (end - hire.start).days
    return days / DAYS_PER_MONTH


def effective_shrinkage(scenario: Scenario, staff: Staffing | None = None) -> float:
    """Share of on-duty seller time not available: breaks by rule, then ``team.shrinkage``.

    ``1 - (1 - b) * (1 - shrinkage)`` with ``b`` the share of on-duty minutes the breaks by rule
    take over the whole team (0 without ``team.breaks``): what ``check``, ``plan`` and the
    optimizer's screen use as the shrinkage, so they agree with the simulation.
    """
    team = scenario.team
    if team.breaks is None:
        return team.shrinkage
    staff = staff or staffing(scenario)
    duty = sum(float((d[:, 1] - d[:, 0]).sum()) for d in staff.seller_days)
    if duty <= 0:
        return team.shrinkage
    kept = float(staff.working_minutes(team.breaks).sum()) / duty
    return 1.0 - kept * (1.0 - team.shrinkage)
