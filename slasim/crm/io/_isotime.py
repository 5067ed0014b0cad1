"""Vectorized reading of ISO-8601 timestamps: a whole column at once, in numpy.

:func:`parse_iso` reads the forms ``YYYY-MM-DD`` and ``YYYY-MM-DD[T| ]HH:MM[:SS[.f{1,6}]]``
with an optional ``Z`` or ``+HH:MM`` offset -- what CRM exports write -- straight from the
column's bytes: each value is matched against fixed character templates and its digits are
turned into nanoseconds with integer arithmetic. Anything else, and any value that is not a
valid date and time (2026-02-30, 24:00, a year outside 1678..2261), is marked ``SLOW``: the
caller reads it with :func:`slasim.crm.io._values.parse_timestamp`, which also words the error,
so both paths agree on every value (the tests compare them on random text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from slasim.crm.io._values import MAX_DATE, MIN_DATE

__all__ = ["AWARE", "BLANK", "DATE", "NAIVE", "SLOW", "parse_iso"]

BLANK, DATE, NAIVE, AWARE, SLOW = range(5)
IntArray = npt.NDArray[np.int64]
_NS_PER_MINUTE = 60 * 10**9
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


@dataclass(frozen=True)
class _Form:
    """One fixed-width form: ``text`` has ``9`` for a digit, ``T`` for 'T' or ' ', ``S`` for
    a sign; ``places`` fraction digits (-1: no seconds, None: no time); ``zone`` "", "Z"
    or "S"."""

    text: str
    kind: int
    places: int | None
    zone: str


def _forms() -> list[_Form]:
    out = [_Form("9999-99-99", DATE, None, "")]
    for places in range(-1, 7):
        time = "T99:99" + ("" if places < 0 else ":99") + ("." + "9" * places if places > 0 else "")
        for zone, suffix in (("", ""), ("Z", "Z"), ("S", "S99:99")):
            out.append(_Form("9999-99-99" + time + suffix, AWARE if zone else NAIVE, places, zone))
    return out


_FORMS = _forms()


def _digits(mat: npt.NDArray[np.uint8], start: int, width: int) -> IntArray:
    out = np.zeros(len(mat), dtype=np.int64)
    for k in range(start, start + width):
        out = out * 10 + (mat[:, k].astype(np.int64) - 48)
    return out


def _days_from_civil(y: IntArray, m: IntArray, d: IntArray) -> IntArray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    out: IntArray = era * 146097 + doe - 719468
    return out


def _matches(mat: npt.NDArray[np.uint8], text: str) -> npt.NDArray[np.bool_]:
    ok = np.ones(len(mat), dtype=bool)
    for k, ch in enumerate(text):
        col = mat[:, k]
        if ch == "9":
            ok &= (col >= 48) & (col <= 57)
        elif ch == "T":
            ok &= (col == ord("T")) | (col == ord(" "))
        elif ch == "S":
            ok &= (col == ord("+")) | (col == ord("-"))
        else:
            ok &= col == ord(ch)
    return ok


def _read(mat: npt.NDArray[np.uint8], form: _Form) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Nanoseconds (wall time, or UTC with an offset) and validity of rows of ``form``."""
    year, month, day = _digits(mat, 0, 4), _digits(mat, 5, 2), _digits(mat, 8, 2)
    valid = (year >= MIN_DATE.year) & (year <= MAX_DATE.year) & (month >= 1) & (month <= 12)
    month_c = np.clip(month, 1, 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    valid &= (day >= 1) & (day <= _DAYS_IN_MONTH[month_c - 1] + (leap & (month_c == 2)))
    ns = _days_from_civil(year, month_c, day) * (1440 * _NS_PER_MINUTE)
    if form.places is None:
        return ns, valid
    hour, minute = _digits(mat, 11, 2), _digits(mat, 14, 2)
    valid &= (hour <= 23) & (minute <= 59)
    ns += (hour * 60 + minute) * _NS_PER_MINUTE
    end = 16
    if form.places >= 0:
        second = _digits(mat, 17, 2)
        valid &= second <= 59
        ns += second * 10**9
        end = 19
    if form.places > 0:
        ns += _digits(mat, 20, form.places) * 10 ** (9 - form.places)
        end = 20 + form.places
    if form.zone == "S":
        off_h, off_m = _digits(mat, end + 1, 2), _digits(mat, end + 4, 2)
        valid &= (off_h <= 23) & (off_m <= 59)
        sign = np.where(mat[:, end] == ord("-"), -1, 1)
        ns -= sign * (off_h * 60 + off_m) * _NS_PER_MINUTE
    return ns, valid


def parse_iso(values: Sequence[str]) -> tuple[npt.NDArray[np.int8], IntArray] | None:
    """Kind of each value (``BLANK``, ``DATE``, ``NAIVE``, ``AWARE`` or ``SLOW``) and its
    nanoseconds since 1970: local wall time for ``DATE``/``NAIVE`` (to be placed in the
    export's zone), UTC for ``AWARE``; 0 otherwise.

    Returns ``None`` when a value holds a line break (the caller then reads per value).
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.int64)
    joined = "\n".join(values)
    if joined.count("\n") != n - 1:
        return None
    # "replace" keeps one byte per character, so offsets stay aligned; "?" matches nothing.
    data = np.frombuffer(joined.encode("ascii", "replace"), dtype=np.uint8)
    breaks = np.flatnonzero(data == 10)
    starts = np.concatenate([[0], breaks + 1]).astype(np.int64)
    lengths = np.concatenate([breaks, [len(data)]]).astype(np.int64) - starts
    kinds = np.full(n, SLOW, dtype=np.int8)
    kinds[lengths == 0] = BLANK
    ns = np.zeros(n, dtype=np.int64)
    for size in np.unique(lengths).tolist():
        forms = [f for f in _FORMS if len(f.text) == size]
        if not forms:
            continue
        rows = np.flatnonzero(lengths == size)
        mat = data[starts[rows, None] + np.arange(size)]
        for form in forms:
            hit = _matches(mat, form.text)
            if not hit.any():
                continue
            value, valid = _read(mat[hit], form)
            where = rows[hit][valid]
            kinds[where] = form.kind
            ns[where] = value[valid]
    return kinds, ns
