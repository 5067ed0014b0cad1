"""Parsing of single CRM values (timestamps, numbers, booleans) with user-facing reasons."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from slasim.crm.schema import REASONS

__all__ = [
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
        return datetime.combine(value, time(), tzinfo=tz), True
    else:
        text = str(value).strip()
        if date_format is None and _DATE_ONLY.fullmatch(text):
            try:
                return datetime.combine(date.fromisoformat(text), time(), tzinfo=tz), True
            except ValueError:
                raise BadValue(
                    REASONS.UNPARSEABLE_DATE, f"{text!r} is not a calendar date; {ISO_HINT}"
                ) from None
        try:
            if date_format is not None:
                stamp = datetime.strptime(text, date_format)
            else:
                stamp = datetime.fromisoformat(text)
        except ValueError:
            hint = f"expected the format {date_format!r}" if date_format else ISO_HINT
            raise BadValue(REASONS.UNPARSEABLE_DATE, hint) from None
        if date_format is not None and not _has_time_directive(date_format):
            return stamp.replace(tzinfo=tz), True
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        stamp = stamp.replace(tzinfo=tz)
    return stamp.astimezone(tz), False


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


def parse_number(value: object, decimal_comma: bool = False) -> float:
    """A finite number; ``1,5`` is accepted when the file uses ``;`` as delimiter."""
    if isinstance(value, bool):
        raise BadValue(REASONS.NOT_A_NUMBER, "expected a number, got a boolean")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        if decimal_comma and "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise BadValue(REASONS.NOT_A_NUMBER, "expected a number, e.g. 1250.50") from None
    if not math.isfinite(number):
        raise BadValue(REASONS.NOT_A_NUMBER, "expected a finite number")
    return number


def parse_integer(value: object) -> int:
    """A whole number (``3`` or ``3.0``)."""
    number = parse_number(value)
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
