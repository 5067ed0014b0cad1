"""The funnel's random numbers of one replication, drawn slice by slice.

A replication's funnel uses two blocks per lead: uniforms of ``outcomes/1`` (qualify,
opportunity, win; shape ``(3, n)``) and standard normals of ``deals`` (deal value, sales cycle;
shape ``(2, n)``). :class:`FunnelNumbers` hands them out in consecutive slices of leads with
exactly the values of the whole blocks, so that a month of a million leads never holds its
40 bytes a lead at once.

Why the values are those of the blocks: numpy fills a block in C order, each row in lead order,
from one bit generator. A uniform double takes one 64-bit output of PCG64, so row ``r`` starts
``r * n`` outputs in (``PCG64.advance``). A standard normal (ziggurat) takes a varying number
of outputs, so the second row's generator is found by drawing the first row once and throwing
it away, in slices (time, not memory: ~10 ns a lead).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = ["FunnelNumbers"]

FloatArray = npt.NDArray[np.float64]
#: Leads per slice thrown away while positioning the second normal row.
_SKIP_CHUNK = 1 << 16


class FunnelNumbers:
    """Slices of the ``(3, n)`` funnel uniforms and ``(2, n)`` deal normals.

    Parameters
    ----------
    uniforms, normals
        Make a new generator of ``outcomes/1`` and of ``deals`` (each call from the start).
    n
        Leads in the replication.

    Notes
    -----
    :meth:`take` must be called on consecutive slices from lead 0 on; :meth:`qualify_row`
    (the first uniform row, for the loops' follow-up conversations) may be called at any time.
    """

    def __init__(
        self,
        uniforms: Callable[[], np.random.Generator],
        normals: Callable[[], np.random.Generator],
        n: int,
    ) -> None:
        if n < 0:
            raise ValueError(f"n(={n}) must be >= 0.")
        self._uniforms, self.n, self._next = uniforms, n, 0
        self._u = [self._positioned(uniforms, r * n) for r in range(3)]
        self._z = [normals(), normals()]
        for lo in range(0, n, _SKIP_CHUNK):  # the second row starts after the first
            self._z[1].standard_normal(min(_SKIP_CHUNK, n - lo))

    @staticmethod
    def _positioned(make: Callable[[], np.random.Generator], skip: int) -> np.random.Generator:
        rng = make()
        if not isinstance(rng.bit_generator, np.random.PCG64):
            # advance() counts 64-bit outputs of PCG64; another generator would need its own rule.
            raise TypeError(
                f"bit generator(={type(rng.bit_generator).__name__}) must be PCG64."
            )
        rng.bit_generator.advance(skip)
        return rng

    def take(self, lo: int, hi: int) -> tuple[FloatArray, FloatArray]:
        """The uniforms ``[:, lo:hi]`` (shape ``(3, hi - lo)``) and normals ``[:, lo:hi]``."""
        if lo != self._next or not lo <= hi <= self.n:
            raise ValueError(
                f"slice [{lo}, {hi}) must start at lead {self._next} and end by {self.n}."
            )
        self._next = hi
        k = hi - lo
        u = np.empty((3, k))
        z = np.empty((2, k))
        for r, rng in enumerate(self._u):
            rng.random(out=u[r])
        for r, rng in enumerate(self._z):
            rng.standard_normal(out=z[r])
        return u, z

    def qualify_row(self) -> FloatArray:
        """The whole first uniform row (``outcomes/1`` block row 0), shape ``(n,)``."""
        return self._uniforms().random(self.n)
