"""Sample quantiles without :func:`numpy.quantile`'s overhead, with its exact values.

A replication's metrics take eight quantiles of arrays of a few thousand waits; on such arrays
``np.quantile`` spends ~90 % of its time in Python bookkeeping (axis moves, index arrays, a
masked ``_lerp``) around one partition. :func:`linear_quantiles` makes the same partition
call and the same float operations on scalars, so its answers are those of
``np.quantile(values, qs)`` bit for bit (tested against it, NaN, infinities and signed zeros
included).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["linear_quantiles"]


def linear_quantiles(values: np.ndarray, qs: Sequence[float]) -> tuple[float, ...]:
    """``np.quantile(values, qs)`` (the default ``linear`` method) as a tuple of floats.

    Parameters
    ----------
    values
        A non-empty float array (flattened, like ``np.quantile`` with ``axis=None``).
    qs
        Probabilities in [0, 1].
    """
    n = values.size
    if n == 0:
        raise ValueError("linear_quantiles() of an empty array: there is no order statistic.")
    for q in qs:
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"q(={q}) must be in [0, 1].")
    # numpy's steps for method="linear" (Hyndman & Fan's type 7): the virtual index (n - 1) q,
    # its floor and the next index, both clipped at the last index; the two order statistics
    # by one partition of a copy at the same positions (0, -1 and the neighbours: the same
    # call, so ties between -0.0 and 0.0 land where numpy's land); then its _lerp.
    spots = []
    for q in qs:
        virtual = (n - 1) * float(q)
        below = -1 if virtual >= n - 1 else math.floor(virtual)
        above = -1 if below == -1 else below + 1
        spots.append((virtual, below, above))
    kth = np.unique(np.array([0, -1, *(b for _, b, _ in spots), *(a for _, _, a in spots)]))
    arr = values.flatten()
    arr.partition(kth)
    last = float(arr[-1])
    if math.isnan(last):
        # A NaN sorts last and makes every quantile NaN (numpy returns that element).
        return (last,) * len(spots)
    out = []
    for virtual, below, above in spots:
        a, b = float(arr[below]), float(arr[above])
        gamma = virtual - below
        diff = b - a
        # _lerp: a + (b - a) t, or from the upper end when t >= 0.5 (monotone and exact at 1).
        out.append(b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma)
    return tuple(out)
