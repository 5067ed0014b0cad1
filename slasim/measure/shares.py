"""A share as a percentage that reads on the right side of the bar it is judged by.

Numpy-free, so the command-line modules that print shares (``sweep``) import it without the
numeric stack (``slasim --help`` loads none of it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slasim.measure.verdict import Verdict

__all__ = [
    "SIDE_NAMES",
    "bar_decimals",
    "bar_percent",
    "decimals_against",
    "judged_p",
    "judged_sides",
    "percent_against",
    "share_digits",
    "side_decimals",
]

#: The three shares printed together: each side keeps all its terms, and both at once.
SIDE_NAMES = ("marketing", "sales", "joint")


def bar_decimals(bar: float, decimals: int = 0) -> int:
    """Decimals to print the bar ``bar`` (a confidence or a target share) as a percentage
    exactly: ``decimals`` for 0.80, one more for 0.845 ("84.5 %"), up to 4. A bar rounded to
    "84 %" beside a share of 84 % that misses it reads as a contradiction."""
    if bar != bar:
        return decimals
    while decimals < 4 and abs(round(100 * bar, decimals) - 100 * bar) > 1e-9:
        decimals += 1
    return decimals


def bar_percent(bar: float) -> str:
    """``bar`` as a terminal percentage with :func:`bar_decimals` (``"84.5%"``, ``"80%"``)."""
    return f"{bar:.{bar_decimals(bar)}%}"


def decimals_against(value: float, against: float | None, decimals: int = 0) -> int:
    """Decimals to print ``value`` as a percentage so that it reads on its side of ``against``.

    ``decimals`` when that is enough; else one more at a time (up to 4): 71 of 89 months
    (0.798) against 0.80 reads "79.8 %", as "80 %" beside "not realistic (needed 80 %)"
    contradicts the verdict. ``against`` None (the share is not judged): ``decimals``.
    """
    if against is None or value != value or against != against:
        return decimals
    met = value >= against - 1e-12  # as slasim.measure.verdict.passes compares
    while decimals < 4 and (round(100 * value, decimals) >= 100 * against - 1e-9) != met:
        decimals += 1
    return decimals


def percent_against(value: float, against: float | None) -> str:
    """``value`` as a terminal percentage (``"79.8%"``) with :func:`decimals_against`."""
    return f"{value:.{decimals_against(value, against)}%}"


def side_decimals(p: Mapping[str, float], against: Callable[[str], float | None]) -> int:
    """One count of decimals for the three sides' shares ``p`` shown together: enough for each
    judged one (``against(side)`` not None) to keep its side of the bar, and the same for the
    others, so that the joint share (never above a side's) does not read above one: "sales
    79.8 %, joint 79.8 %", not "joint 80 %"."""
    return max(decimals_against(p[side], against(side)) for side in SIDE_NAMES)


def judged_sides(level: str) -> tuple[str, ...]:
    """The sides whose P(kept) ``level`` compares with the confidence (none at ``term``)."""
    return {"side": ("marketing", "sales"), "joint": ("joint",)}.get(level, ())


def share_digits(verdict: Verdict) -> int:
    """Decimals for a verdict's three side shares: :func:`side_decimals`, and at level term
    at least those of its judged terms, since a side's share never exceeds its terms' and must
    not read above them ("sales 80 %" beside "hot conversion 79.8 %")."""
    terms = [decimals_against(r.p, verdict.confidence)
             for r in verdict.requirements if r.term and not r.month]
    return max([side_decimals(verdict.p, verdict.against), *terms])


def judged_p(verdict: Verdict, side: str) -> float:
    """P(``side`` keeps all its terms) as the verdict compares it with the confidence: for a
    horizon judged month by month, in its weakest month (each month must reach it; the
    verdict's own ``p`` is P(every month), lower)."""
    if verdict.months:
        return min(m.verdict.p[side] for m in verdict.months)
    return verdict.p[side]
