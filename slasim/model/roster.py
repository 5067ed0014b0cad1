"""Read a roster CSV (``team.roster``): who works which date or weekday, and when.

Two layouts, told apart by the header (names are case-insensitive, in any order):

- one row per seller and shift: ``seller,date,start,end``;
- head counts: ``date,start,end,sellers`` (dated) or ``weekday,start,end,sellers`` (a weekly
  pattern, like ``team.shifts``).

Both may add a ``shift`` column naming the shift a row belongs to. ``date`` is ``YYYY-MM-DD``,
``weekday`` one of ``mon`` .. ``sun``, ``start`` and ``end`` local ``HH:MM`` with ``end`` after
``start`` (``24:00`` allowed: split an overnight shift into two rows). Blank lines, a UTF-8 BOM
and CRLF line ends are accepted; any other bad row stops with an :class:`~slasim.errors.InputError`
naming the file, line, column, value and what was expected.

How the rows become the engine's sellers (:func:`slasim.engine.staff.staffing`) is documented there.
"""

from __future__ import annotations

import csv
import itertools
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from slasim.errors import InputError
from slasim.limits import MAX_SELLERS_PER_SHIFT
from slasim.model.calendar import WEEKDAYS, parse_hhmm
from slasim.textlines import bounded_lines

__all__ = ["Roster", "RosterRow", "hhmm_text", "read_roster"]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LAYOUTS = {
    "seller": ("seller", "date", "start", "end"),
    "date": ("date", "start", "end", "sellers"),
    "weekday": ("weekday", "start", "end", "sellers"),
}
#: Characters of a bad cell shown in a message, the middle cut beyond it: a message is one
#: line, and a cell may hold thousands of digits.
_SHOWN_CHARS = 40
_EXPECTED_HEADER = (
    "a header 'seller,date,start,end', 'date,start,end,sellers' or "
    "'weekday,start,end,sellers' (optionally with a 'shift' column)"
)


@dataclass(frozen=True)
class RosterRow:
    """One data row of a roster file.

    Attributes
    ----------
    line
        Line number in the file (the header is line 1).
    shift
        The ``shift`` column, or ``""`` when the file has none.
    seller
        The seller id (one-row-per-seller layout), ``""`` in the counts layouts.
    day
        The date of a dated row, else ``None``.
    weekday
        0 (Monday) .. 6 of a weekly row, else ``None``.
    start, end
        Local minutes after midnight, ``0 <= start < end <= 1440``.
    sellers
        Head count (1 in the one-row-per-seller layout).
    """

    line: int
    shift: str
    seller: str
    day: date | None
    weekday: int | None
    start: int
    end: int
    sellers: int


@dataclass(frozen=True)
class Roster:
    """A parsed roster file: its layout (``"seller"``, ``"date"`` or ``"weekday"``) and rows."""

    path: str
    layout: str
    has_shift: bool
    rows: tuple[RosterRow, ...]


_CACHE: dict[tuple[str, int, int], Roster] = {}


def read_roster(path: str | Path) -> Roster:
    """Parse the roster CSV at ``path`` (cached on the file's size and modification time).

    Raises
    ------
    InputError
        Unreadable file, a header that is none of the layouts, or a bad row: the message
        names the file, line, column, the value and what was expected. Overlapping rows of one
        seller (or of one shift on one day) are errors naming both lines.
    """
    source = str(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InputError.single(
            source, "team.roster", f"cannot read the roster file ({exc.strerror or exc})"
        ) from None
    key = (str(Path(path).resolve()), st.st_mtime_ns, st.st_size)
    cached = _CACHE.get(key)
    if cached is None:
        cached = _parse(source, path)
        _CACHE.clear()  # one roster at a time is the common case; never grow without bound
        _CACHE[key] = cached
    return cached


def _parse(source: str, path: str | Path) -> Roster:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(bounded_lines(handle, source))
            lines = [(reader.line_num, row) for row in reader]
    except UnicodeDecodeError as exc:
        raise InputError.single(
            source, "", f"is not UTF-8 text (byte {exc.start}: {exc.reason}); expected a UTF-8 "
            "CSV file"
        ) from None
    except (OSError, csv.Error) as exc:
        raise InputError.single(source, "", f"cannot read the roster CSV ({exc})") from None
    lines = [(n, row) for n, row in lines if any(cell.strip() for cell in row)]
    if not lines:
        raise InputError.single(source, "", f"is empty; expected {_EXPECTED_HEADER}")
    header_line, header = lines[0]
    names = [cell.strip().lower() for cell in header]
    layout = _layout(source, header_line, names)
    known = {*_LAYOUTS[layout], "shift"}
    for col in names:
        if col not in known:
            raise InputError.single(
                source, f"line {header_line}, column {_shown(col)}",
                f"is not a roster column; expected {_EXPECTED_HEADER}",
            )
    if len(set(names)) != len(names):
        dup = next(c for c in names if names.count(c) > 1)
        raise InputError.single(
            source, f"line {header_line}, column {dup!r}", "appears twice in the header"
        )
    rows = []
    for line, cells in lines[1:]:
        if len(cells) != len(names):
            raise InputError.single(
                source, f"line {line}",
                f"has {len(cells)} fields [{', '.join(_shown(c) for c in cells[:8])}"
                f"{', ...' if len(cells) > 8 else ''}]; expected {len(names)} like the header "
                f"{_header(names)}",
            )
        rows.append(_row(source, line, layout, dict(zip(names, cells, strict=True))))
    if not rows:
        raise InputError.single(source, "", "has a header but no rows; expected at least one")
    _check_overlaps(source, layout, rows)
    return Roster(source, layout, "shift" in names, tuple(rows))


def _layout(source: str, line: int, names: list[str]) -> str:
    if "seller" in names:
        layout = "seller"
    elif "sellers" in names:
        if ("date" in names) == ("weekday" in names):
            raise InputError.single(
                source, f"line {line}",
                f"header {_header(names)} has {'both' if 'date' in names else 'neither'} "
                "'date' and 'weekday'; expected exactly one of them with 'sellers'",
            )
        layout = "date" if "date" in names else "weekday"
    else:
        raise InputError.single(
            source, f"line {line}", f"header {_header(names)}; expected {_EXPECTED_HEADER}"
        )
    for col in _LAYOUTS[layout]:
        if col not in names:
            raise InputError.single(
                source, f"line {line}, column {col!r}",
                f"is missing; the header has {_header(names)}, expected "
                f"{', '.join(_LAYOUTS[layout])}",
            )
    return layout


def _row(source: str, line: int, layout: str, cells: dict[str, str]) -> RosterRow:
    def bad(col: str, expected: str) -> InputError:
        return InputError.single(
            source, f"line {line}, column {col!r}",
            f"got {_shown(cells[col])}; expected {expected}",
        )

    day = weekday = None
    if "date" in cells:
        raw = cells["date"].strip()
        try:
            if not _DATE.fullmatch(raw):
                raise ValueError(raw)
            day = date.fromisoformat(raw)
        except ValueError:
            raise bad("date", "a date YYYY-MM-DD such as 2026-03-02") from None
    if "weekday" in cells:
        raw = cells["weekday"].strip().lower()
        if raw not in WEEKDAYS:
            raise bad("weekday", f"one of {', '.join(WEEKDAYS)}")
        weekday = WEEKDAYS.index(raw)
    times = []
    for col in ("start", "end"):
        try:
            times.append(parse_hhmm(cells[col]))
        except ValueError:
            raise bad(col, "a local time HH:MM from 00:00 to 24:00") from None
    start, end = times
    if end <= start:
        raise bad(
            "end", f"a time after start(={cells['start'].strip()!r}); split an overnight shift "
            "into two rows (..-24:00 and 00:00-.. the next day)"
        )
    sellers = 1
    if layout != "seller":
        raw = cells["sellers"].strip()
        # The digits are counted before int(): Python refuses to convert more than 4,300
        # (a ValueError that ended as an internal error).
        digits = raw.lstrip("0") or "0"  # leading zeros count towards that limit too
        if not re.fullmatch(r"[0-9]+", raw) or (
            len(digits) > len(str(MAX_SELLERS_PER_SHIFT)) or int(digits) > MAX_SELLERS_PER_SHIFT
        ):
            raise bad("sellers", f"a whole number of sellers from 0 to {MAX_SELLERS_PER_SHIFT:,}")
        sellers = int(digits)
    seller = cells.get("seller", "").strip()
    if layout == "seller" and not seller:
        raise bad("seller", "a seller id (any non-empty text)")
    shift = cells.get("shift", "").strip()
    return RosterRow(line, shift, seller, day, weekday, start, end, sellers)


def _header(names: list[str]) -> str:
    """A header for a message: its first 8 names, each shortened (:func:`_shown`)."""
    more = f", ... ({len(names):,} in all)" if len(names) > 8 else ""
    return f"[{', '.join(_shown(n) for n in names[:8])}{more}]"


def _shown(cell: str) -> str:
    """``cell`` quoted for a message, its middle cut when long (a cell may hold megabytes)."""
    if len(cell) <= _SHOWN_CHARS:
        return repr(cell)
    half = _SHOWN_CHARS // 2
    return f"{cell[:half]!r}...{cell[-half:]!r} ({len(cell):,} characters)"


def _check_overlaps(source: str, layout: str, rows: list[RosterRow]) -> None:
    """One seller (or one shift on one day) must not be on duty twice at the same time."""
    by_key: dict[tuple[str, date | None, int | None], list[RosterRow]] = {}
    for r in rows:
        key = r.seller if layout == "seller" else (
            r.shift or f"{hhmm_text(r.start)}-{hhmm_text(r.end)}"
        )
        by_key.setdefault((key, r.day, r.weekday), []).append(r)
    for (who, _, _), group in by_key.items():
        group.sort(key=lambda r: (r.start, r.end))
        for a, b in itertools.pairwise(group):
            if b.start < a.end:
                what = f"seller {who!r}" if layout == "seller" else f"shift {who!r}"
                when = a.day.isoformat() if a.day else WEEKDAYS[a.weekday or 0]
                raise InputError.single(
                    source, f"line {b.line}",
                    f"{what} is on duty twice on {when}: {hhmm_text(b.start)}-{hhmm_text(b.end)} "
                    f"overlaps {hhmm_text(a.start)}-{hhmm_text(a.end)} on line {a.line}; expected "
                    "shifts that do not overlap (give a head count in one row instead)",
                )


def hhmm_text(minutes: int) -> str:
    """``"HH:MM"`` of local minutes after midnight (1440 is ``"24:00"``)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
