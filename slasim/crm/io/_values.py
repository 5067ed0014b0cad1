"""Parsing of single CRM values (timestamps, numbers, booleans) with user-facing reasons."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from slasim.crm.io.schema import REASONS

__all__ = [
    "MAX_DATE",
    "MAX_NUMBER",
    "MIN_DATE",
    "BadValue",
    "date_format_problem",
    "is_blank",
    "parse_bool",
    "parse_integer",
    "parse_number",
    "parse_timestamp",
]

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = frozenset({"true", "t", "yes", "y", "1", "x", "sql", "qualified"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})
ISO_HINT = "expected ISO-8601, e.g. 2026-04-01, 2026-04-01 09:30 or 2026-04-01T09:30:00+02:00"
#: Dates a lead's timestamps may have: inside pandas' nanosecond range (1677-09-21 ..
#: 2262-04-11) with a day to spare for any time zone offset.
MIN_DATE, MAX_DATE = date(1678, 1, 1), date(2261, 12, 31)
#: Largest magnitude of a number: float64 holds every whole number up to 2**53 exactly; no
#: deal value, handling time or attempt count comes near it, so a larger one is a corrupt cell.
MAX_NUMBER = 2.0**53
_RANGE_HINT = (
    f"expected a date from {MIN_DATE} to {MAX_DATE} (9999-12-31 and 0001-01-01 are common "
    "'no date' placeholders: leave such cells blank)"
)


class BadValue(Exception):
    """A value that cannot be used; ``reason`` is one of :class:`REASONS`."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def is_blank(value: object) -> bool:
    """Empty cell: ``None``, NaN/NaT, or whitespace-only text."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas NaT and NA compare unequal to themselves / raise on bool(); test by type name so
    # that this module needs no pandas import.
    return type(value).__name__ in ("NaTType", "NAType")


def parse_timestamp(
    value: object, tz: ZoneInfo, date_format: str | None = None
) -> tuple[datetime, bool]:
    """Aware datetime in ``tz`` and whether the value was a date without a time.

    Offsets are converted to ``tz``; naive timestamps are local time of ``tz`` (a time in a
    spring-forward gap takes the offset before the gap, like the business calendar). A date
    without a time becomes local midnight and is flagged.
    """
    if isinstance(value, datetime):
        stamp = value
    elif isinstance(value, date):
        return datetime.combine(_in_range(value, str(value)), time(), tzinfo=tz), True
    else:
        text = str(value).strip()
        if date_format is None and _DATE_ONLY.fullmatch(text):
            try:
                day = date.fromisoformat(text)
            except ValueError:
                raise BadValue(
                    REASONS.UNPARSEABLE_DATE, f"{text!r} is not a calendar date; {ISO_HINT}"
                ) from None
            return datetime.combine(_in_range(day, text), time(), tzinfo=tz), True
        try:
            if date_format is not None:
                stamp = datetime.strptime(text, date_format)
            else:
                stamp = datetime.fromisoformat(text)
        except ValueError:
            hint = f"expected the format {date_format!r}" if date_format else ISO_HINT
            raise BadValue(REASONS.UNPARSEABLE_DATE, hint) from None
        if date_format is not None and not _has_time_directive(date_format):
            _in_range(stamp.date(), text)
            return stamp.replace(tzinfo=tz), True
    # Checked before any conversion: year 1 or 9999 moved by an offset overflows datetime.
    _in_range(stamp.date(), str(value))
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        stamp = stamp.replace(tzinfo=tz)
    return stamp.astimezone(tz), False


def _in_range(day: date, text: str) -> date:
    if not MIN_DATE <= day <= MAX_DATE:
        raise BadValue(
            REASONS.DATE_OUT_OF_RANGE, f"{text.strip()!r} is out of range; {_RANGE_HINT}"
        )
    return day


def date_format_problem(fmt: str) -> str | None:
    """Why ``fmt`` cannot be a ``strptime`` format of timestamps, or None when it can.

    A bad directive (``%Q``) or a stray ``%`` would otherwise reject every row one by one;
    a format without any directive cannot read a date at all.
    """
    if "%" not in fmt:
        return "it has no % directive"
    # Round trip through an aware sample so that %z and %Z have something to read back.
    sample = datetime(2026, 4, 1, 9, 30, 15, tzinfo=UTC)
    try:
        datetime.strptime(sample.strftime(fmt), fmt)
    except ValueError as exc:
        return str(exc)
    return None


def _has_time_directive(fmt: str) -> bool:
    return any(d in fmt for d in ("%H", "%I", "%M", "%S", "%X", "%c", "%T", "%R"))


#: ``1.234`` or ``-12.345.678``: digits grouped by dots, ambiguous in a column of decimal
#: commas (``0.500`` cannot be a grouping).
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")


def parse_number(value: object, decimal_comma: bool = False,
                 grouping: bool | None = None) -> float:
    """A finite number of magnitude <= :data:`MAX_NUMBER`; ``1,5`` is accepted when the file
    uses ``;`` as delimiter. ``grouping`` (default ``decimal_comma``): the column writes
    decimal commas, so ``132.276`` (dots grouping digits by three) is ambiguous and refused."""
    if isinstance(value, bool):
        raise BadValue(REASONS.NOT_A_NUMBER, "expected a number, got a boolean")
    if isinstance(value, int):
        if abs(value) > MAX_NUMBER:
            raise _out_of_range()
        number = float(value)
    elif isinstance(value, float):
        number = value
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if (decimal_comma if grouping is None else grouping) and _GROUPED.fullmatch(text):
            # In a file of decimal commas a dot groups thousands: 132.276 is most likely
            # 132,276, not 132.276 (read as the latter, revenue came out half of the truth).
            raise BadValue(REASONS.NOT_A_NUMBER, "expected a number with a decimal comma "
                           "(1234,50), as the column's other values have: a dot there groups "
                           "thousands, so this could be either; write it without the dot")
        if decimal_comma and "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise BadValue(REASONS.NOT_A_NUMBER, "expected a number, e.g. 1250.50") from None
        if math.isinf(number) and text.lower().lstrip("+-") not in ("inf", "infinity"):
            raise _out_of_range()  # 1e400: a number too large for float64, not "infinity"
    if not math.isfinite(number):
        raise BadValue(REASONS.NOT_A_NUMBER, "expected a finite number")
    if abs(number) > MAX_NUMBER:
        raise _out_of_range()
    return number


def _out_of_range() -> BadValue:
    return BadValue(
        REASONS.NUMBER_OUT_OF_RANGE,
        f"expected a number between -{MAX_NUMBER:,.0f} and {MAX_NUMBER:,.0f} (2**53, the "
        "largest whole number held exactly)",
    )


def parse_integer(value: object) -> int:
    """A whole number (``3`` or ``3.0``)."""
    try:
        number = parse_number(value)
    except BadValue as exc:
        if exc.reason != REASONS.NOT_A_NUMBER or isinstance(value, bool):
            raise
        # Counts only: "e.g. 1250.50", the example for money, read oddly beside attempts.
        raise BadValue(REASONS.NOT_A_NUMBER, "expected a whole number of attempts, e.g. 3") \
            from None
    if number != int(number):
        raise BadValue(REASONS.NOT_A_NUMBER, "expected a whole number of attempts")
    return int(number)


def parse_bool(value: object) -> bool:
    """true/false, yes/no, 1/0 (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadValue(REASONS.NOT_A_BOOLEAN, "expected true/false, yes/no or 1/0")
