"""The one way a plot function gets its Axes: the caller's, or a new figure's.

Every plot function of :mod:`slasim.render` takes ``ax=None`` (draw on a new figure of the
function's default size), draws, and returns the Axes; none calls ``plt.show()``, so the same
function serves a notebook, a report page and a saved file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["axes_or_new"]


def axes_or_new(ax: Axes | None, size: tuple[float, float] = (7, 4), **subplots: Any) -> Axes:
    """``ax``, or the Axes of a new figure ``size`` inches wide and high (``subplots``: further
    arguments of :func:`matplotlib.pyplot.subplots`, e.g. ``layout="constrained"``)."""
    if ax is not None:
        return ax
    # Here: importing pyplot costs time the modules that only import this one need not spend.
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size, **subplots)
    return new
