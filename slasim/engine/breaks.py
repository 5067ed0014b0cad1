"""Breaks: when a seller on duty is not available.

Two kinds, one after the other: breaks by rule (``team.breaks``: every ``every_minutes`` of a
stretch on duty, ``minutes`` long, staggered by seller; deterministic, so the engine places them
once when it compiles the scenario) and random shrinkage (``team.shrinkage``: 30-minute blocks
taken at random from every day, drawn per replication from the seller's own stream). Touching
intervals are merged first (:func:`merge_touching`), so a 24-hour shift is one stretch.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from slasim.scenario.schema import Breaks

__all__ = [
    "BREAK_BLOCK",
    "break_offset",
    "merge_touching",
    "rule_breaks",
    "shrinkage_breaks",
    "shrinkage_breaks_each",
    "working_intervals",
]

FloatArray = npt.NDArray[np.float64]

BREAK_BLOCK = 30.0  # minutes per shrinkage break block


def merge_touching(iv: FloatArray) -> list[tuple[float, float]]:
    """Sorted, non-overlapping stretches of the intervals ``iv``; touching ones are joined.

    Back-to-back intervals (a 00:00-24:00 shift every day) become one stretch, so the seller
    does not log off and on at midnight.
    """
    iv = iv[iv[:, 1] > iv[:, 0]]
    a, b = iv[:, 0], iv[:, 1]
    if a.size and bool(np.all(a[1:] >= a[:-1])):
        # Sorted starts (always, from intervals_for and the breaks): the loop below,
        # vectorised. A stretch ends at the running maximum of the ends, and the next starts
        # where an interval begins after it.
        reach = np.maximum.accumulate(b)
        new = np.empty(a.size, dtype=bool)
        new[0] = True
        np.greater(a[1:], reach[:-1], out=new[1:])
        heads = np.flatnonzero(new)
        ends = np.maximum.reduceat(b, heads)
        return list(zip(a[heads].tolist(), ends.tolist(), strict=True))
    out: list[tuple[float, float]] = []
    for a, b in iv.tolist():
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def break_offset(breaks: Breaks, seller: int) -> float:
    """Minutes seller ``seller`` (engine index) shifts its breaks: ``(seller mod n) * stagger``.

    ``n = ceil(every_minutes / stagger_minutes)``: the offsets cycle through ``0, stagger,
    2 * stagger, ...`` while below ``every_minutes``, so seller ``n`` breaks with seller 0.
    """
    if breaks.stagger_minutes <= 0:
        return 0.0
    n = max(1, math.ceil(breaks.every_minutes / breaks.stagger_minutes))
    return (seller % n) * breaks.stagger_minutes


def rule_breaks(stretches: list[tuple[float, float]], breaks: Breaks, seller: int) -> FloatArray:
    """Working pieces of ``stretches`` after the breaks of seller ``seller``.

    In a stretch ``[a, b)`` break ``k = 1, 2, ...`` runs from ``a + offset + k * every_minutes``
    for ``minutes``; a break that would not end before ``b`` is not taken (nobody breaks at the
    end of the shift). ``offset`` is :func:`break_offset`.
    """
    every, length = breaks.every_minutes, breaks.minutes
    off = break_offset(breaks, seller)
    out: list[tuple[float, float]] = []
    for a, b in stretches:
        t = a
        k = 1
        while (start := a + off + k * every) + length < b:
            out.append((t, start))
            t = start + length
            k += 1
        out.append((t, b))
    return np.array(out, dtype=np.float64).reshape(-1, 2)


def working_intervals(days: FloatArray, breaks: Breaks | None, seller: int) -> FloatArray:
    """``(k, 2)`` intervals seller ``seller`` works: ``days`` merged, less breaks by rule."""
    stretches = merge_touching(days)
    if breaks is None:
        return np.array(stretches, dtype=np.float64).reshape(-1, 2)
    return rule_breaks(stretches, breaks, seller)


def shrinkage_breaks(days: FloatArray, shrinkage: float, rng: np.random.Generator) -> FloatArray:
    """Working pieces of ``days`` after removing ``shrinkage`` of every day as breaks.

    Each day is cut into 30-minute slots from its start (the last may be shorter). Slots are
    taken in random order until the lost time reaches ``shrinkage * length`` exactly (the last
    one partly, from its start), so breaks never overlap. Returns the remaining pieces in time
    order (touching pieces are merged later).
    """
    return shrinkage_breaks_each(days, shrinkage, [rng])[0]


def shrinkage_breaks_each(
    days: FloatArray, shrinkage: float, rngs: list[np.random.Generator]
) -> list[FloatArray]:
    """:func:`shrinkage_breaks` of the same ``days`` for several sellers, one generator each.

    The sellers' slots are stacked and cut in one pass (a replication's sellers of one shift
    share their days): the same draws and the same row-wise operations as one call per seller,
    so the same pieces, at a fraction of the per-call cost.
    """
    a, b = days[:, 0], days[:, 1]
    length = b - a
    if length.size == 0 or not rngs:
        return [days for _ in rngs]
    k = len(days)
    slots = int(np.ceil(length.max() / BREAK_BLOCK))
    start1 = a[:, None] + BREAK_BLOCK * np.arange(slots)[None, :]
    size1 = np.clip(b[:, None] - start1, 0.0, BREAK_BLOCK)
    c = len(rngs)
    start = np.tile(start1, (c, 1))
    size = np.tile(size1, (c, 1))
    keys = np.concatenate([rng.random((k, slots)) for rng in rngs])
    keys[size <= 0] = 2.0  # slots past the day's end come last and are never taken
    order = np.argsort(keys, axis=1)
    size_o = np.take_along_axis(size, order, axis=1)
    before = np.cumsum(size_o, axis=1) - size_o  # break time already taken before this slot
    taken_o = np.clip(shrinkage * np.tile(length, c)[:, None] - before, 0.0, size_o)
    taken = np.empty_like(taken_o)
    np.put_along_axis(taken, order, taken_o, axis=1)
    keep = size - taken > 0
    pieces = np.column_stack([(start + taken)[keep], (start + size)[keep]])
    counts = keep.reshape(c, -1).sum(axis=1)
    return np.split(pieces, np.cumsum(counts)[:-1])
