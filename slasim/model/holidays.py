"""Public holidays of a country over a horizon, from the ``holidays`` package.

Sweden's de facto non-working days (Midsummer Eve, Christmas Eve, New Year's Eve) are added by
hand when the installed package does not know the ``de_facto`` category.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import holidays as pyholidays
import numpy as np

__all__ = ["public_holidays"]


def _swedish_de_facto(year: int) -> list[date]:
    """Midsummer Eve, Christmas Eve and New Year's Eve: non-working days by the Annual Leave Act."""
    june19 = date(year, 6, 19)
    midsummer_eve = june19 + timedelta(days=(4 - june19.weekday()) % 7)  # Friday in Jun 19-25
    return [midsummer_eve, date(year, 12, 24), date(year, 12, 31)]


def public_holidays(
    country: str, start: date, days: int, *, include_de_facto: bool = True
) -> list[date]:
    """Public holidays of ``country`` within ``[start, start + days)``, sorted.

    Parameters
    ----------
    country
        ISO 3166-1 alpha-2 code, e.g. ``"SE"`` (case-insensitive).
    start, days
        The horizon: ``days`` calendar days from ``start``.
    include_de_facto
        Also count days that are not official holidays but are non-working days by law or
        custom (package category ``de_facto``). For Sweden these are Midsummer Eve, Christmas
        Eve and New Year's Eve, which the Annual Leave Act treats as Sundays; they are added by
        hand when the installed ``holidays`` package does not know the category.

    Notes
    -----
    Some countries (Sweden, Norway) can count every Sunday as a holiday; that option is always
    switched off here, because weekends belong to the opening hours, not the holiday list.
    """
    if isinstance(days, bool) or not isinstance(days, int | np.integer) or days < 1:
        raise ValueError(f"days(={days!r}) must be a positive integer.")
    code = country.strip().upper() if isinstance(country, str) else ""
    end = start + timedelta(days=days)
    years = list(range(start.year, end.year + 1))
    try:
        found = pyholidays.country_holidays(code, years=years)
    except NotImplementedError:
        raise ValueError(
            f"country(={country!r}) is not a country known to the holidays package; "
            "expected an ISO 3166-1 alpha-2 code such as 'SE'."
        ) from None
    if getattr(found, "include_sundays", False):
        # Older package versions default to counting every Swedish Sunday as a holiday.
        found = pyholidays.country_holidays(code, years=years, include_sundays=False)
    extra: list[date] = []
    if include_de_facto:
        if "de_facto" in getattr(found, "supported_categories", ()):
            kwargs: dict[str, Any] = (
                {"include_sundays": False} if hasattr(found, "include_sundays") else {}
            )
            found = pyholidays.country_holidays(
                code, years=years, categories=("public", "de_facto"), **kwargs
            )
        elif code == "SE":
            extra = [d for y in years for d in _swedish_de_facto(y)]
    dates = {d for d in found if isinstance(d, date)} | set(extra)
    return sorted(d for d in dates if start <= d < end)
