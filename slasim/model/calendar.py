"""Business calendar: opening hours, time zone and holidays; wall <-> business minutes.

The simulation clock is *minutes since the horizon start*, where the horizon start is local
midnight (in the calendar's time zone) of the start date. Minutes are real elapsed minutes, so a
daylight-saving change day has 23 or 25 local hours. Local wall-clock times are converted with
:mod:`zoneinfo`: a local time that does not exist (inside a spring-forward gap) is read with the
offset in force before the gap (02:30 becomes 03:30 in Europe/Stockholm), and an ambiguous local
time (fall-back) means its first occurrence.

Open intervals are half-open ``[open, close)`` in simulation minutes. All queries accept scalars
(a cheap pure-Python path, since the engine calls them in hot loops) or arrays (vectorised with
:func:`numpy.searchsorted` on cumulative open minutes).
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

__all__ = [
    "WEEKDAYS",
    "BusinessCalendar",
    "HourGrid",
    "parse_hhmm",
    "parse_weekday",
]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAYS_LONG = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_MINUTES_PER_DAY = 1440
# Slack (in minutes, ~6 microseconds) when locating a cumulative business-minute target: a target
# computed as B(t) + (B(u) - B(t)) may round one ulp past B(u), which must not push the result
# to the next open interval (possibly days later).
_TOL = 1e-7
_HHMM = re.compile(r"([0-9]{1,2}):([0-9]{2})")

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def parse_hhmm(s: str) -> int:
    """Parse a local time of day ``"HH:MM"`` into minutes after midnight.

    ``"24:00"`` is allowed and means the end of the day (1440).

    Examples
    --------
    >>> parse_hhmm("08:30")
    510
    """
    m = _HHMM.fullmatch(s.strip()) if isinstance(s, str) else None
    if m is not None:
        hh, mm = int(m.group(1)), int(m.group(2))
        if (hh < 24 and mm < 60) or (hh == 24 and mm == 0):
            return hh * 60 + mm
    raise ValueError(
        f"time(={s!r}) is not a valid time of day; expected HH:MM from 00:00 to 24:00."
    )


def parse_weekday(s: str) -> int:
    """Parse a weekday name (``"mon"`` or ``"monday"``, any case) into 0 (Monday) .. 6."""
    key = s.strip().lower() if isinstance(s, str) else ""
    for i, (short, full) in enumerate(zip(WEEKDAYS, _WEEKDAYS_LONG, strict=True)):
        if key in (short, full):
            return i
    raise ValueError(f"weekday(={s!r}) is not a weekday; expected one of {', '.join(WEEKDAYS)}.")


@dataclass(frozen=True, eq=False)
class HourGrid:
    """One row per real local hour-slot of the horizon (for piecewise-constant arrival rates).

    Attributes
    ----------
    start
        Slot start in simulation minutes.
    length
        Slot length in minutes: 60, except next to a DST change with a non-hour shift.
    hour_of_week
        Local hour of week of the slot start, 0..167 (Monday 00:00 local = 0).
    is_holiday
        Whether the slot's local date is a holiday of the calendar.
    local_date
        Local date of the slot start (``datetime64[D]``).
    """

    start: FloatArray
    length: FloatArray
    hour_of_week: npt.NDArray[np.int64]
    is_holiday: BoolArray
    local_date: npt.NDArray[np.datetime64]

    def __len__(self) -> int:
        return int(self.start.shape[0])


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int | np.integer) or days < 1:
        raise ValueError(f"days(={days!r}) must be a positive integer.")


def _check_span(start_min: int, end_min: int, what: str) -> None:
    # An interval may run past midnight (end up to 48:00) so that night shifts can be expressed,
    # but never longer than a day, so consecutive days cannot overlap.
    if not (0 <= start_min < _MINUTES_PER_DAY and start_min < end_min <= start_min + 1440):
        raise ValueError(
            f"{what}(=({start_min!r}, {end_min!r})) is not a valid local interval; expected "
            "0 <= start < 1440 and start < end <= start + 1440 (minutes after midnight)."
        )


def _check_weekday(wd: int) -> None:
    if isinstance(wd, bool) or not isinstance(wd, int | np.integer) or not 0 <= wd <= 6:
        raise ValueError(f"weekday(={wd!r}) is not a weekday number; expected 0 (Mon) .. 6 (Sun).")


def _merge(iv: list[tuple[float, float]]) -> FloatArray:
    """Sort intervals and merge those that overlap or touch."""
    out: list[list[float]] = []
    for a, b in sorted(iv):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return np.array(out, dtype=np.float64).reshape(-1, 2)


#: Hour grids by (start, days, timezone, holidays): read-only arrays, so equal calendars
#: share one (:meth:`BusinessCalendar.hour_grid`); the oldest goes first beyond the size.
_GRIDS: dict[tuple[date, int, str, frozenset[date]], HourGrid] = {}
_GRID_CACHE_SIZE = 16
_GRIDS_LOCK = threading.Lock()


class BusinessCalendar:
    """Opening hours over a horizon of ``days`` local days, in simulation minutes.

    Parameters
    ----------
    start
        First local date of the horizon; simulation minute 0 is its local midnight.
    days
        Number of local days in the horizon.
    timezone
        IANA time zone name, e.g. ``"Europe/Stockholm"``.
    open_hours
        Weekday (0 = Monday) -> list of ``(open, close)`` local minutes after midnight. ``close``
        may exceed 1440 for an interval that runs past midnight (at most 24 h long).
    holidays
        Dates closed all day (dates outside the horizon are ignored).

    Attributes
    ----------
    horizon_minutes
        Length of the horizon in real minutes.
    open_intervals
        ``(k, 2)`` sorted, non-overlapping ``[open, close)`` intervals in simulation minutes.
    business_minutes_total
        Total open minutes in the horizon.
    day_start
        ``(days + 1,)`` simulation minute of each local midnight; the last is the horizon end.
    """

    def __init__(
        self,
        start: date,
        days: int,
        timezone: str,
        open_hours: Mapping[int, Sequence[tuple[int, int]]],
        holidays: Iterable[date] = (),
    ) -> None:
        if isinstance(start, datetime) or not isinstance(start, date):
            raise ValueError(f"start(={start!r}) must be a date (not a datetime).")
        _check_days(days)
        try:
            tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
            raise ValueError(f"timezone(={timezone!r}) is not a known IANA time zone.") from None
        self.start: date = start
        self.days: int = int(days)
        self.timezone: str = timezone
        self.tz: ZoneInfo = tz
        self._t0 = self._epoch_seconds(start, 0)
        end = start + timedelta(days=self.days)
        self.holidays: frozenset[date] = frozenset(d for d in holidays if start <= d < end)

        self.day_start: FloatArray = np.array(
            [self._sim(start + timedelta(days=i), 0) for i in range(self.days + 1)]
        )
        self.horizon_minutes: float = float(self.day_start[-1])

        spans: list[tuple[float, float]] = []
        for wd, pairs in open_hours.items():
            _check_weekday(wd)
            for o, c in pairs:
                _check_span(o, c, f"open_hours[{wd}]")
                spans += self._weekly_spans([wd], o, c, skip_holidays=True)
        self.open_intervals: FloatArray = _merge(spans)
        self.open_intervals.setflags(write=False)

        starts = self.open_intervals[:, 0]
        ends = self.open_intervals[:, 1]
        self._k = int(starts.shape[0])
        self._S: FloatArray = starts
        self._E: FloatArray = ends
        # _C[i]: open minutes before interval i; _CE[i] = _C[i + 1]: at the end of interval i.
        self._C: FloatArray = np.concatenate([[0.0], np.cumsum(ends - starts)])
        self._CE: FloatArray = self._C[1:]
        self.business_minutes_total: float = float(self._C[-1])
        # Python lists for the scalar path: bisect on a list beats numpy call overhead ~10x.
        self._Sl: list[float] = starts.tolist()
        self._El: list[float] = ends.tolist()
        self._Cl: list[float] = self._C.tolist()
        self._CEl: list[float] = self._CE.tolist()
        self._grid: HourGrid | None = None

    # ----------------------------------------------------------------- local <-> simulation time
    def _epoch_seconds(self, d: date, minute: int, fold: int = 0) -> int:
        local = (datetime.combine(d, time()) + timedelta(minutes=minute)).replace(
            tzinfo=self.tz, fold=fold
        )
        return round(local.timestamp())

    def _sim(self, d: date, minute: int, fold: int = 0) -> float:
        # Whole seconds first, so equal instants give bit-identical floats (dedup in hour_grid).
        return (self._epoch_seconds(d, minute, fold) - self._t0) / 60.0

    def local_minute(self, d: date, minute: int) -> float:
        """Simulation minute of local date ``d`` at ``minute`` after midnight (1440: its end)."""
        return self._sim(d, minute)

    def to_local(self, t: float) -> datetime:
        """Aware local datetime of simulation minute ``t``."""
        if not np.isfinite(t):
            raise ValueError(f"t(={t!r}) must be a finite simulation minute.")
        return datetime.fromtimestamp(self._t0 + float(t) * 60.0, tz=self.tz)

    def to_sim(self, dt: datetime) -> float:
        """Simulation minute of the aware datetime ``dt`` (any time zone)."""
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(f"dt(={dt!r}) must be timezone-aware.")
        return (dt.timestamp() - self._t0) / 60.0

    # ------------------------------------------------------------------------ weekly patterns
    def _weekly_spans(
        self, weekdays: Iterable[int], start_min: int, end_min: int, skip_holidays: bool
    ) -> list[tuple[float, float]]:
        wds = set(weekdays)
        out: list[tuple[float, float]] = []
        # Day -1 too: its interval may run past midnight into the horizon.
        for i in range(-1, self.days):
            d = self.start + timedelta(days=i)
            if d.weekday() not in wds or (skip_holidays and d in self.holidays):
                continue
            a = max(self._sim(d, start_min), 0.0)
            b = min(self._sim(d, end_min), self.horizon_minutes)
            if b > a:
                out.append((a, b))
        return out

    def intervals_for(
        self,
        weekdays: Iterable[int],
        start_min: int,
        end_min: int,
        skip_holidays: bool = True,
    ) -> FloatArray:
        """Simulation-minute intervals of a weekly pattern (e.g. a seller's shift).

        Parameters
        ----------
        weekdays
            Weekday numbers (0 = Monday) on which the pattern starts.
        start_min, end_min
            Local minutes after midnight; ``end_min`` may exceed 1440 for a night shift.
        skip_holidays
            Leave out days that are holidays of this calendar.

        Returns
        -------
        ndarray
            ``(k, 2)`` sorted ``[start, end)`` intervals, one per day, clipped to the horizon.
        """
        wds = list(weekdays)
        for wd in wds:
            _check_weekday(wd)
        _check_span(start_min, end_min, "shift")
        spans = self._weekly_spans(wds, start_min, end_min, skip_holidays)
        return np.array(sorted(spans), dtype=np.float64).reshape(-1, 2)

    def hour_grid(self) -> HourGrid:
        """Local hour-slots of the horizon: 23 on a spring-forward day, 25 on a fall-back day."""
        if self._grid is None:
            # Shared by equal calendars: the optimizer prepares one scenario per candidate, each
            # with its own calendar of the same horizon (~20 ms of datetime arithmetic each).
            # The grid reads only these (never the open hours). A lock: threads of one process
            # may prepare scenarios side by side.
            key = (self.start, self.days, self.timezone, self.holidays)
            with _GRIDS_LOCK:
                grid = _GRIDS.get(key)
                if grid is None:
                    while len(_GRIDS) >= _GRID_CACHE_SIZE:
                        _GRIDS.pop(next(iter(_GRIDS)))
                    grid = _GRIDS[key] = self._build_hour_grid()
            self._grid = grid
        return self._grid

    def _build_hour_grid(self) -> HourGrid:
        # Slot boundaries are the instants at which a local clock shows a whole hour. Both folds
        # catch the repeated hour on fall-back; gap hours collapse onto existing boundaries.
        bounds = {
            self._sim(self.start + timedelta(days=i), 60 * h, fold)
            for i in range(self.days)
            for h in range(24)
            for fold in (0, 1)
        }
        bounds.add(self.horizon_minutes)
        b = np.array(sorted(x for x in bounds if 0.0 <= x <= self.horizon_minutes))
        starts = b[:-1]
        locals_ = [self.to_local(float(s)) for s in starts]
        how = np.array([lt.weekday() * 24 + lt.hour for lt in locals_], dtype=np.int64)
        ldate = np.array([lt.date() for lt in locals_], dtype="datetime64[D]")
        hol = np.array([lt.date() in self.holidays for lt in locals_], dtype=bool)
        arrays = (starts, np.diff(b), how, hol, ldate)
        for a in arrays:
            a.setflags(write=False)
        return HourGrid(*arrays)

    # -------------------------------------------------------------------------------- queries
    @overload
    def is_open(self, t: float) -> bool: ...
    @overload
    def is_open(self, t: npt.ArrayLike) -> BoolArray: ...
    def is_open(self, t: npt.ArrayLike) -> bool | BoolArray:
        """Whether the business is open at ``t`` (intervals are ``[open, close)``)."""
        if isinstance(t, int | float):
            i = bisect_right(self._Sl, t) - 1
            return i >= 0 and t < self._El[i]
        ta = np.asarray(t, dtype=np.float64)
        if self._k == 0:
            return np.zeros(ta.shape, dtype=bool)
        i = np.searchsorted(self._S, ta, side="right") - 1
        return (i >= 0) & (ta < self._E[np.maximum(i, 0)])

    @overload
    def business_minutes(self, t: float) -> float: ...
    @overload
    def business_minutes(self, t: npt.ArrayLike) -> FloatArray: ...
    def business_minutes(self, t: npt.ArrayLike) -> float | FloatArray:
        """Cumulative open minutes in ``[0, t]``; non-decreasing, ``business_minutes_total``
        from the horizon end on."""
        if isinstance(t, int | float):
            i = bisect_right(self._Sl, t) - 1
            if i < 0:
                return 0.0
            return self._Cl[i] + min(t, self._El[i]) - self._Sl[i]
        ta = np.asarray(t, dtype=np.float64)
        if self._k == 0:
            return np.zeros(ta.shape)
        i = np.searchsorted(self._S, ta, side="right") - 1
        ic = np.maximum(i, 0)
        inside = self._C[ic] + np.minimum(ta, self._E[ic]) - self._S[ic]
        return np.where(i >= 0, inside, 0.0)

    @overload
    def business_between(self, a: float, b: float) -> float: ...
    @overload
    def business_between(self, a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray: ...
    def business_between(self, a: npt.ArrayLike, b: npt.ArrayLike) -> float | FloatArray:
        """Open minutes between ``a`` and ``b`` (negative if ``b < a``)."""
        if isinstance(a, int | float) and isinstance(b, int | float):
            return self.business_minutes(b) - self.business_minutes(a)
        return np.asarray(self.business_minutes(np.asarray(b))) - self.business_minutes(
            np.asarray(a)
        )

    @overload
    def next_open(self, t: float) -> float: ...
    @overload
    def next_open(self, t: npt.ArrayLike) -> FloatArray: ...
    def next_open(self, t: npt.ArrayLike) -> float | FloatArray:
        """Earliest time ``>= t`` at which the business is open; ``inf`` if none in the horizon."""
        if isinstance(t, int | float):
            i = bisect_right(self._Sl, t) - 1
            if i >= 0 and t < self._El[i]:
                return float(t)
            return self._Sl[i + 1] if i + 1 < self._k else float("inf")
        ta = np.asarray(t, dtype=np.float64)
        if self._k == 0:
            return np.full(ta.shape, np.inf)
        i = np.searchsorted(self._S, ta, side="right") - 1
        is_in = (i >= 0) & (ta < self._E[np.maximum(i, 0)])
        nxt = np.append(self._S, np.inf)[i + 1]
        return np.where(is_in, ta, nxt)

    @overload
    def add_business(self, t: float, minutes: float) -> float: ...
    @overload
    def add_business(self, t: npt.ArrayLike, minutes: npt.ArrayLike) -> FloatArray: ...
    def add_business(self, t: npt.ArrayLike, minutes: npt.ArrayLike) -> float | FloatArray:
        """Wall time reached after ``minutes`` open minutes from ``t``.

        The earliest ``s >= t`` with ``business_between(t, s) == minutes``: a target reached
        exactly at closing time is that closing time, not the next opening. ``minutes == 0``
        gives ``t``. ``inf`` if the horizon closes first.
        """
        if isinstance(t, int | float) and isinstance(minutes, int | float):
            if minutes == 0:
                return float(t)
            if not minutes > 0:
                raise ValueError(f"minutes(={minutes!r}) must be >= 0.")
            target = self.business_minutes(t) + minutes
            j = bisect_left(self._CEl, target - _TOL)
            if j >= self._k:
                return float("inf")
            s = min(self._El[j], self._Sl[j] + max(0.0, target - self._Cl[j]))
            return max(float(t), s)
        ta, ma = np.broadcast_arrays(
            np.asarray(t, dtype=np.float64), np.asarray(minutes, dtype=np.float64)
        )
        bad = ~(ma >= 0)
        if bad.any():
            raise ValueError(f"minutes(={ma[bad].flat[0]!r}) must be >= 0.")
        if self._k == 0:
            return np.where(ma == 0, ta, np.inf)
        target = self.business_minutes(ta) + ma
        j = np.searchsorted(self._CE, target - _TOL, side="left")
        jc = np.minimum(j, self._k - 1)
        s = np.minimum(self._E[jc], self._S[jc] + np.maximum(0.0, target - self._C[jc]))
        s = np.where(j >= self._k, np.inf, np.maximum(ta, s))
        return np.where(ma == 0, ta, s)

    def business_adder(self) -> Callable[[float, float], float]:
        """A fast ``add_business(t, minutes)`` for one float ``t`` and ``minutes > 0``.

        The engine calls it once per retry. It gives exactly the scalar path's result (same
        float operations in the same order) without its type checks and method calls, and skips
        the second bisection in the common case where the target lies in ``t``'s own interval.
        Not checked: ``minutes`` must be a positive float (``add_business`` validates).
        """
        starts, ends, before, at_end, k = self._Sl, self._El, self._Cl, self._CEl, self._k
        inf = float("inf")

        def add(t: float, minutes: float) -> float:
            i = bisect_right(starts, t) - 1
            if i < 0:
                target = 0.0 + minutes
            else:
                e = ends[i]
                # The scalar path's business_minutes(t) + minutes, in its evaluation order.
                target = before[i] + (t if t < e else e) - starts[i] + minutes
            x = target - _TOL
            if 0 <= i < k and at_end[i] >= x and (i == 0 or at_end[i - 1] < x):
                j = i  # what bisect_left(at_end, x) returns here, without the search
            else:
                j = bisect_left(at_end, x)
                if j >= k:
                    return inf
            d = target - before[j]
            v = starts[j] + (d if d > 0.0 else 0.0)
            e = ends[j]
            s = v if v < e else e
            return s if s > t else t

        return add

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(start={self.start.isoformat()}, days={self.days}, "
            f"timezone={self.timezone!r}, business_hours={self.business_minutes_total / 60:g})"
        )
