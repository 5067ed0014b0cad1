"""Column-wise parsing of CRM values: a chunk of rows at a time, into numpy arrays.

Each parser takes one column of a :class:`~slasim.crm.io._reader.Chunk` (text from a file, any
Python value from a DataFrame) and returns typed arrays plus the positions of bad values with
their reason and message. Common forms take a fast path (ISO-8601 timestamps in numpy, numbers
via ``float`` in one pass); anything else falls back to the per-value functions of
:mod:`slasim.crm.io._values`, so both paths give the same values and the same messages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from slasim.crm.io._isotime import BLANK, DATE, NAIVE, SLOW, parse_iso
from slasim.crm.io._lines import has_undecodable
from slasim.crm.io._values import (
    MAX_NUMBER,
    BadValue,
    is_blank,
    parse_bool,
    parse_integer,
    parse_number,
    parse_timestamp,
)

__all__ = [
    "NAT",
    "BadCells",
    "Interned",
    "Stamps",
    "bad_bytes",
    "parse_bools",
    "parse_numbers",
    "parse_stamps",
    "parse_text",
    "stripped",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
#: Missing timestamp (numpy's NaT as int64 nanoseconds).
NAT = int(np.iinfo(np.int64).min)
_DAY_NS = 86_400 * 10**9
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: ``(position in the column, reason, message)`` of each bad value.
BadCells = list[tuple[int, str, str]]

# Exact spellings read without the per-value path (which takes any case and spaces).
_BOOLS = {
    spelling: value
    for words, value in ((("true", "t", "yes", "y", "1", "x", "sql", "qualified"), 1),
                         (("false", "f", "no", "n", "0"), 0))
    for word in words
    for spelling in (word, word.upper(), word.capitalize())
}


def stripped(values: Sequence[Any]) -> list[Any]:
    """Text stripped of surrounding whitespace; other values as they are."""
    return [v.strip() if type(v) is str else v for v in values]


def bad_bytes(values: Sequence[Any]) -> list[int]:
    """Positions of text with undecodable bytes or NUL characters."""
    return [
        i for i, v in enumerate(values)
        if isinstance(v, str) and ("\x00" in v or has_undecodable(v))
    ]


class Interned(dict[str, str | None]):
    """Raw cell -> stripped text (``None`` when blank), equal texts one object: a column of
    few distinct values (tiers, owners) then costs one string per value, not one per row."""

    def __init__(self) -> None:
        super().__init__()
        self._texts: dict[str, str] = {}

    def __missing__(self, raw: str) -> str | None:
        text = raw.strip()
        value = self._texts.setdefault(text, text) if text else None
        self[raw] = value
        return value


def parse_text(
    values: Sequence[Any], shared: Interned | None = None, text_only: bool = False
) -> list[str | None]:
    """Stripped text, ``None`` for blank; through ``shared`` (see :class:`Interned`) when
    given. ``text_only``: every value is a ``str`` (a faster path)."""
    if text_only:
        if shared is None:
            return [v.strip() or None for v in values]
        return [shared[v] for v in values]
    out = [
        (v.strip() or None) if type(v) is str else (None if is_blank(v) else str(v).strip())
        for v in values
    ]
    if shared is not None:
        out = [shared[v] if v is not None else None for v in out]
    return out


# -- timestamps ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Stamps:
    """A parsed timestamp column.

    Attributes
    ----------
    ns
        UTC nanoseconds since 1970 (:data:`NAT` when blank or bad).
    day
        Local calendar day in the export's zone (days since 1970; for date-only comparisons).
    dated
        The value was a date without a time of day.
    bad
        Bad values (unparseable, or out of range: reason ``date out of range``).
    """

    ns: IntArray
    day: IntArray
    dated: BoolArray
    bad: BadCells


def parse_stamps(
    values: Sequence[Any], tz: ZoneInfo, date_format: str | None = None, text_only: bool = False
) -> Stamps:
    """Parse a timestamp column like :func:`~slasim.crm.io._values.parse_timestamp` does.

    ISO-8601 text takes the vectorized path (:mod:`slasim.crm.io._isotime`); anything else
    (surrounding spaces, other forms, Python values, every value with a ``date_format``) is
    read value by value."""
    n = len(values)
    fast = parse_iso(values) if date_format is None and (
        text_only or all(type(v) is str for v in values)
    ) else None
    if fast is None:
        kinds = np.array([BLANK if is_blank(v) else SLOW for v in values], dtype=np.int8)
        ns = np.full(n, NAT, dtype=np.int64)
    else:
        kinds, ns = fast
        ns[(kinds == BLANK) | (kinds == SLOW)] = NAT
    dated = kinds == DATE
    local = np.flatnonzero((kinds == DATE) | (kinds == NAIVE))
    if len(local):
        # Wall times that do not exist or occur twice (DST changes) take the per-value path,
        # which resolves them like the business calendar does.
        placed = pd.DatetimeIndex(ns[local].view("M8[ns]")).tz_localize(
            tz.key, ambiguous="NaT", nonexistent="NaT"
        ).asi8
        ns[local] = placed
        kinds[local[placed == NAT]] = SLOW
    bad: BadCells = []
    slow = np.flatnonzero(kinds == SLOW).tolist()
    for i in slow:
        if is_blank(values[i]):
            continue
        try:
            stamp, is_date = parse_timestamp(values[i], tz, date_format)
        except BadValue as exc:
            bad.append((i, exc.reason, exc.message))
            continue
        ns[i] = (stamp - _EPOCH) // _MICROSECOND * 1000
        dated[i] = is_date
    dated &= ns != NAT
    day = np.full(n, NAT, dtype=np.int64)
    known = ns != NAT
    if known.any():
        wall_local = pd.DatetimeIndex(ns[known].view("M8[ns]")).tz_localize("UTC").tz_convert(
            tz.key
        ).tz_localize(None).asi8
        day[known] = wall_local // _DAY_NS
    return Stamps(ns, day, dated, bad)


# -- numbers and booleans ------------------------------------------------------------------


def parse_numbers(
    values: Sequence[Any], decimal_comma: bool = False, integer: bool = False,
    text_only: bool = False,
) -> tuple[FloatArray, BadCells]:
    """Numbers like :func:`~slasim.crm.io._values.parse_number` (or ``parse_integer``); NaN for
    blank or bad values."""
    out: FloatArray | None = None
    # A ';' file may write decimal points: dots are ambiguous only beside decimal commas.
    grouping = decimal_comma and not integer and any(
        type(v) is str and "," in v for v in values)
    if text_only:
        try:
            out = np.array([float(s) if s else math.nan for s in values], dtype=np.float64)
        except ValueError:
            out = None  # some value needs the per-value path (spaces, decimal comma, text)
    if out is not None:
        check = ~np.isfinite(out) | (np.abs(out) > MAX_NUMBER)
        if grouping:  # a dot in a column of decimal commas may group thousands
            check |= np.array(["." in s for s in values], dtype=bool)
        if integer:
            with np.errstate(invalid="ignore"):
                check |= out != np.floor(out)
        suspects = [i for i in np.flatnonzero(check).tolist() if values[i]]
    else:
        out = np.full(len(values), math.nan)
        suspects = [i for i, s in enumerate(values) if not is_blank(s)]
    bad: BadCells = []
    for i in suspects:
        try:
            out[i] = parse_integer(values[i]) if integer else parse_number(
                values[i], decimal_comma, grouping)
        except BadValue as exc:
            out[i] = math.nan
            bad.append((i, exc.reason, exc.message))
    return out, bad


def parse_bools(
    values: Sequence[Any], text_only: bool = False
) -> tuple[npt.NDArray[np.int8], BadCells]:
    """Booleans like :func:`~slasim.crm.io._values.parse_bool`: 1, 0, or -1 for blank or bad."""
    get = _BOOLS.get
    codes = (
        [get(v, 2) if v else -1 for v in values] if text_only
        else [get(v, 2) if type(v) is str and v else -1 if is_blank(v) else 2 for v in values]
    )
    out = np.array(codes, dtype=np.int8)
    bad: BadCells = []
    for i in np.flatnonzero(out == 2).tolist():
        if is_blank(values[i]):
            out[i] = -1
            continue
        try:
            out[i] = int(parse_bool(values[i]))
        except BadValue as exc:
            out[i] = -1
            bad.append((i, exc.reason, exc.message))
    return out, bad
