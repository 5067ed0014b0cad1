"""Seats over one replication: who occupies each seat when (attrition), and their ramp.

A seat (an engine seller index, :mod:`slasim.engine.staff`) has a sequence of *occupants*. Each
occupant has a tenure-0 minute: ``-inf`` for a seller fully ramped from the start, the horizon
start less ``tenure_weeks`` for a shift's sellers with a tenure, a hire's start date, a
replacement's first working day. The ramp (``team.ramp``) turns these into per-seat step
functions of time (:class:`SeatFactors`): the factor of week ``k`` of tenure (0-based) holds on
``[T + k * WEEK, T + (k + 1) * WEEK)``, and 1 from ``T + len * WEEK`` on.

Attrition (``team.attrition``) draws, per seat, exponential times to leave from the stream
``attrition/<seat>`` (occupant ``k`` takes the ``k``-th number of the seat's stream, so a
seat's turnover does not depend on the other seats); the seat is vacant from the leave to the
replacement's first working day (:func:`turnover`).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["WEEK", "SeatFactors", "Turnover", "expected_weight", "seat_factors", "turnover"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Minutes in a week of tenure (calendar time: weekends and holidays count).
WEEK = 7 * 1440.0


@dataclass(frozen=True, eq=False)
class SeatFactors:
    """Per seat, the ramp's factors as step functions of the run minute.

    ``bounds[s]`` are sorted minutes where seat ``s``'s factors change; ``handling[s][j]`` and
    ``conversion[s][j]`` hold from ``bounds[s][j - 1]`` (inclusive) to ``bounds[s][j]``, so
    each value list is one longer than its bounds and starts with 1 (fully ramped).
    """

    bounds: tuple[list[float], ...]
    handling: tuple[list[float], ...]
    conversion: tuple[list[float], ...]
    slows: bool  # whether some handling factor differs from 1 (the loops must apply it)

    def handling_at(self, s: int, t: float) -> float:
        """Handling factor of seat ``s`` at minute ``t`` (the loops call this per attempt)."""
        return self.handling[s][bisect_right(self.bounds[s], t)]

    def handling_of(self, seats: IntArray, t: FloatArray) -> FloatArray:
        """Vectorised :meth:`handling_at`; 1 where ``seats < 0`` (nobody)."""
        return self._of(self.handling, seats, t)

    def conversion_of(self, seats: IntArray, t: FloatArray) -> FloatArray:
        """Conversion factor of seats ``seats`` at minutes ``t``; 1 where ``seats < 0``."""
        return self._of(self.conversion, seats, t)

    def _of(self, values: tuple[list[float], ...], seats: IntArray, t: FloatArray) -> FloatArray:
        out = np.ones(len(seats))
        for s in np.unique(seats[seats >= 0]).tolist():
            if not self.bounds[s]:
                continue  # fully ramped the whole run
            at = seats == s
            # searchsorted(side="right") is bisect_right: the same index, the same value.
            k = np.searchsorted(np.asarray(self.bounds[s]), t[at], side="right")
            out[at] = np.asarray(values[s])[k]
        return out


def seat_factors(
    curve: tuple[Sequence[float], Sequence[float]], occupants: Sequence[Sequence[float]]
) -> SeatFactors:
    """The :class:`SeatFactors` of ``curve = (handling, conversion)`` by week of tenure for
    seats whose occupants have the tenure-0 minutes ``occupants[s]`` (in time order)."""
    hf, cf = curve
    weeks = max(len(hf), len(cf))
    h = [*hf, *[1.0] * (weeks - len(hf)), 1.0]  # week k's factor; 1 from week `weeks` on
    c = [*cf, *[1.0] * (weeks - len(cf)), 1.0]
    bounds, hand, conv = [], [], []
    for occ in occupants:
        b: list[float] = []
        hv, cv = [1.0], [1.0]
        for j, start in enumerate(occ):
            if start == -math.inf:
                continue  # fully ramped
            nxt = occ[j + 1] if j + 1 < len(occ) else math.inf
            while b and b[-1] >= start:  # a predecessor who left while ramping
                b.pop()
                hv.pop()
                cv.pop()
            for k in range(weeks + 1):
                x = start + k * WEEK
                if x >= nxt:
                    break
                b.append(x)
                hv.append(h[k])
                cv.append(c[k])
        bounds.append(b)
        hand.append(hv)
        conv.append(cv)
    return SeatFactors(tuple(bounds), tuple(hand), tuple(conv), any(f != 1.0 for f in hf))


@dataclass(frozen=True, eq=False)
class Turnover:
    """One replication's occupants of every seat.

    ``starts[s]``: tenure-0 minutes of the seat's occupants in time order; ``leaves[s]``: the
    minute each occupant left (``inf``: still there at the run's end).
    """

    starts: tuple[list[float], ...]
    leaves: tuple[list[float], ...]

    def leavers(self, t0: float, t1: float) -> IntArray:
        """Per seat: occupants who left in ``[t0, t1)``."""
        return np.array([sum(t0 <= x < t1 for x in v) for v in self.leaves], dtype=np.int64)


def turnover(
    first: Sequence[float],
    days: Sequence[FloatArray],
    day_start: FloatArray,
    rate_per_minute: float,
    replacement_days: int | None,
    stream: Callable[[int], np.random.Generator],
) -> Turnover:
    """Draw who occupies each seat when.

    Parameters
    ----------
    first
        Per seat, the first occupant's tenure-0 minute (``-inf``: fully ramped).
    days
        Per seat, its ``(k, 2)`` on-duty intervals: a replacement's first working day is the
        first day with one that starts on or after the leave's date plus ``replacement_days``.
    day_start
        Minutes of the run's local midnights (the last one is the run's end): tenure 0 of a
        replacement is the midnight of its first working day.
    rate_per_minute
        The hazard of leaving; occupant ``k`` of seat ``s`` leaves an exponential time after
        it joins (the run start for occupants there from the start), drawn as the ``k``-th
        standard exponential of ``stream(s)``.
    replacement_days
        Calendar days from a leave's date to the replacement's earliest first day; None: not
        replaced.
    stream
        Seat ``s``'s random generator.
    """
    horizon = float(day_start[-1])
    last_day = len(day_start) - 1
    starts, leaves = [], []
    for s, (t, iv) in enumerate(zip(first, days, strict=True)):
        rng = stream(s)
        joined = max(t, 0.0)  # memoryless: a seller there at the start leaves from then on
        occ, left = [t], []
        while True:
            leave = joined + float(rng.standard_exponential()) / rate_per_minute
            if leave >= horizon:
                left.append(math.inf)
                break
            left.append(leave)
            if replacement_days is None:
                break
            d = int(np.searchsorted(day_start, leave, side="right")) - 1 + replacement_days
            if d >= last_day:
                break  # the replacement would start after the run
            k = int(np.searchsorted(iv[:, 0], max(day_start[d], leave), side="left"))
            if k >= len(iv):
                break  # no working day of the seat left for a replacement
            joined = float(day_start[int(np.searchsorted(day_start, iv[k, 0], side="right")) - 1])
            occ.append(joined)
        starts.append(occ)
        leaves.append(left)
    return Turnover(tuple(starts), tuple(leaves))


def expected_weight(
    start: float,
    curve: Sequence[float],
    rate_per_minute: float,
    replacement_minutes: float | None,
    grid: FloatArray,
) -> FloatArray:
    """Expected productive share of a seat at the run minutes ``grid`` (an even grid from 0).

    The share of its time the seat is occupied, each occupant counted ``1 / handling factor``
    of its tenure week: the first occupant (tenure 0 at ``start``) stays an exponential time,
    a replacement joins ``replacement_minutes`` after a leave (not waiting for the shift's
    next working day: slightly optimistic) and ramps from week 1. The renewal equation is
    solved on ``grid`` (a sum over earlier steps: replacements that joined then and stayed).
    """
    step = float(grid[1] - grid[0]) if len(grid) > 1 else 1.0
    inv = 1.0 / np.array([*curve, 1.0])

    def productive(age: FloatArray) -> FloatArray:
        week = np.floor(np.maximum(age, 0.0) / WEEK).astype(np.int64)
        return np.asarray(inv[np.minimum(week, len(curve))])

    joined = max(start, 0.0)
    since = np.maximum(grid - joined, 0.0)
    stay = np.exp(-rate_per_minute * since)
    out = stay * (productive(grid - start) if start > -math.inf else 1.0)
    if replacement_minutes is None:
        return np.asarray(out)
    lag = round(replacement_minutes / step)
    leave = rate_per_minute * stay * step  # probability of a leave in each step (first occupant)
    join = np.zeros(len(grid))
    for i in range(len(grid)):
        if i >= lag:
            join[i] = leave[i - lag]
        if join[i] > 0.0:
            later = grid[i:] - grid[i]
            kept = join[i] * np.exp(-rate_per_minute * later)
            out[i:] += kept * productive(later)
            leave[i:] += rate_per_minute * kept * step  # the replacement may leave too
    return np.asarray(out)
