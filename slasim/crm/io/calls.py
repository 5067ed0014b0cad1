"""Read a call-level (or attempt-level) contact-centre export without losing a row.

The format (CSV, UTF-8, header row; a pandas DataFrame with the same columns works too):

=================  ========  ========================================================
column             required  meaning
=================  ========  ========================================================
``call_id``        no        any id; a repeated id is rejected (the first row is kept)
``lead_id``        no        several rows with one ``lead_id`` = an attempt-level
                             export: the first row by ``created``, then ``answered``,
                             is the lead's first attempt (arrivals and patience); every
                             row counts for handling, wrap-up and the roster
``tier``           no        tier name (the base scenario's only tier if absent)
``created``        yes       arrival, ISO-8601 with a UTC offset or local time of the
                             export's zone (``2026-03-02T09:15:07+01:00``)
``answered``       no        start of service; empty if never served
``ended``          no        end of service (talk); for an abandoned call the hang-up
``wrapup_ended``   no        end of after-call work
``abandoned``      yes       yes/no (true/false, 1/0)
``agent``          no        agent / seller id
``conversation``   no        this call's conversation number with the lead (1, 2,
                             ...); empty if the call was not a conversation
``outcome``        no        how that conversation ended: ``qualified``,
                             ``disqualified`` or ``undecided`` (empty = undecided);
                             only on conversation rows
=================  ========  ========================================================

``conversation`` and ``outcome`` come together (one without the other is an input error): they
let ``calibrate`` fit the leads' propensity spread (:mod:`slasim.crm.calibrate.propensityfit`). A
value
that is not a whole number from 1 to 1,000, an unknown outcome, an outcome on a row without a
conversation number, or a conversation on a row that was not answered stops the import with
exit code 2 naming the file, row, column, value and what was expected (rather than rejecting
the row: the row still counts for arrivals and handling, and a coding the reader does not
know is a mapping to fix, not a bad row).

Every data row is either kept (:attr:`CallImport.calls`) or rejected with its spreadsheet row
number, column, value, reason and what was expected (:attr:`CallImport.rejected`), and for a
file every physical line is accounted for (``lines = header + used + rejected + blank +
continuation``), as for CRM exports (:mod:`slasim.crm.io._lines` reads the lines). A row is
rejected when ``created`` or ``abandoned`` is missing or does not parse, a timestamp is a date
without a time of day, a call is answered before it was created, ends before it was answered
(or, abandoned, before it was created), its wrap-up ends before its talk (or without one), an
abandoned call was also answered, the tier is unknown, a text value is a spreadsheet formula
(``=1+1``: the export holds a formula, not its value), or the call id repeats. As in CRM
exports, a date outside 1678..2261 (``9999-12-31``, a usual "no date" placeholder) in an
optional timestamp is read as blank and counted in a note. Whole-file mistakes (no file, no
``created`` or ``abandoned`` column, a bad ``--timezone``) raise
:class:`~slasim.errors.InputError`, and so does any rejected row with ``strict=True``.
"""

from __future__ import annotations

import math
import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from slasim.crm.io._lines import Chunk, show_value
from slasim.crm.io._parse import NAT, Interned, Stamps, parse_bools, parse_stamps, parse_text
from slasim.crm.io._reader import Table, frame_table, open_table
from slasim.crm.io._rows import RowContext, TierResolver, _encoding_problems
from slasim.crm.io.importer import ImportSummary, _strict_problems
from slasim.crm.io.schema import REASONS
from slasim.errors import InputError, Problem
from slasim.outputs import FORMULA_START

__all__ = [
    "ALL_TIERS",
    "CALL_COLUMNS",
    "CALL_OUTCOMES",
    "CALL_REASONS",
    "CALL_REQUIRED",
    "CallImport",
    "is_call_header",
    "parse_call_mapping",
    "read_calls",
]

#: Canonical columns of a call-level export, in the order they are written.
CALL_COLUMNS = ("call_id", "lead_id", "tier", "created", "answered", "ended", "wrapup_ended",
                "abandoned", "agent", "conversation", "outcome")
CALL_REQUIRED = ("created", "abandoned")
_STAMPS = ("created", "answered", "ended", "wrapup_ended")
_TEXT = ("call_id", "lead_id", "tier", "agent", "conversation", "outcome")
#: Outcomes of a conversation (``outcome`` column); empty on a conversation row = undecided.
CALL_OUTCOMES = ("qualified", "disqualified", "undecided")
_MAX_CONVERSATION = 1000
#: The tier of every call when the export has no tier column and there is no base scenario.
ALL_TIERS = "all"
_REJECTED_COLUMNS = ["row", "column", "value", "reason", "message"]
#: ``(row, order, column, value, reason, message)``.
_Problem = tuple[int, int, str, str, str, str]


class CALL_REASONS(REASONS):
    """Why a call row was rejected (the CRM reasons plus the call-level ones)."""

    DATE_WITHOUT_TIME = "date without time"
    ANSWERED_BEFORE_CREATED = "answered before created"
    ENDED_BEFORE_ANSWERED = "ended before answered"
    ENDED_BEFORE_CREATED = "ended before created"
    WRAPUP_BEFORE_END = "wrap-up ended before end"
    WRAPUP_WITHOUT_END = "wrap-up without end"
    ANSWERED_AND_ABANDONED = "answered and abandoned"
    FORMULA = "spreadsheet formula"


def _normalise(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def is_call_header(header: Sequence[str]) -> bool:
    """Whether a header is a call-level export's (``created`` and ``abandoned``, no
    ``created_at``), names compared ignoring case and punctuation."""
    names = {_normalise(h) for h in header}
    return {"created", "abandoned"} <= names and "createdat" not in names


@dataclass(frozen=True)
class CallImport:
    """The result of :func:`read_calls`.

    Attributes
    ----------
    calls
        Kept rows: ``row`` (spreadsheet row), ``call_id``, ``lead_id``, ``tier``, ``agent``
        (text or ``None``), ``created``, ``answered``, ``ended``, ``wrapup_ended``
        (``datetime64[ns, zone]``, NaT when blank), ``abandoned`` (bool), ``first`` (bool: the
        lead's first attempt; every row of a call-level export), ``conversation`` (int, 0 when
        not a conversation) and ``outcome`` (one of :data:`CALL_OUTCOMES`, ``None`` when not
        a conversation).
    rejected
        One line per problem: ``row``, ``column``, ``value``, ``reason``, ``message``.
    summary
        :class:`~slasim.crm.io.importer.ImportSummary` (rows read, used, rejected by reason, line
        accounting, time range of ``created``).
    resolution_seconds
        1.0 when every timestamp is on a whole second (exports round to the second: the
        fits then treat a duration as known to the second), else 0.0.
    """

    calls: pd.DataFrame
    rejected: pd.DataFrame
    summary: ImportSummary
    resolution_seconds: float

    def has(self, name: str) -> bool:
        """Whether canonical column ``name`` was in the export."""
        return name in set(self.summary.columns["canonical"])


def parse_call_mapping(items: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``--map`` options of a call-level export: ``created=ArrivalTime,agent=Agent Id``.

    Raises
    ------
    InputError
        A pair without ``=``, a name that is not a call column, or a name mapped twice.
    """
    pairs: list[tuple[str, str]] = []
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            key, sep, value = (x.strip() for x in part.partition("="))
            if not sep or not key or not value:
                raise InputError.single("--map", part.strip(), "expected CANONICAL=FILE_COLUMN, "
                                        "e.g. created=ArrivalTime")
            if key not in CALL_COLUMNS:
                raise InputError.single("--map", key, "is not a column of the call-level "
                                        f"format; expected one of {', '.join(CALL_COLUMNS)}")
            if any(k == key for k, _ in pairs):
                raise InputError.single("--map", key, "is mapped twice; map each column once")
            pairs.append((key, value))
    return tuple(pairs)


def _resolve(header: Sequence[str], mapping: Mapping[str, str], source: str) -> dict[str, str]:
    for key, value in mapping.items():
        if key not in CALL_COLUMNS:
            raise InputError.single(
                "--map", key, f"is not a column of the call-level format; expected one of "
                f"{', '.join(CALL_COLUMNS)}",
            )
        if value not in header:
            raise InputError.single(
                source, f"--map {key}={value}",
                f"column {value!r} is not in the file; the header has {list(header)}",
            )
    loose = {_normalise(h): h for h in header}
    found = {}
    for name in CALL_COLUMNS:
        if name in mapping:
            found[name] = mapping[name]
        elif name in header:
            found[name] = name
        elif _normalise(name) in loose:
            found[name] = loose[_normalise(name)]
    missing = [name for name in CALL_REQUIRED if name not in found]
    if missing:
        raise InputError.single(
            source, f"column {missing[0]!r}",
            f"is missing (required in a call-level export); the columns found are "
            f"{list(header)}; expected {', '.join(CALL_REQUIRED)} (map yours with --map "
            f"{missing[0]}=YOUR_COLUMN)",
        )
    return found


@dataclass(eq=False)
class _Part:
    """The rows of one chunk that decoded, as arrays (timestamps in UTC nanoseconds)."""

    rows: npt.NDArray[np.int64]
    ok: npt.NDArray[np.bool_]
    text: dict[str, list[str | None]]
    stamps: dict[str, npt.NDArray[np.int64]]
    abandoned: npt.NDArray[np.int8]


def _is_formula(text: str | None) -> bool:
    if text is None or not text.startswith(FORMULA_START):
        return False
    try:
        float(text)
    except ValueError:
        return True
    return False  # "-3" is a number, not a formula


class _ChunkParser:
    """Parses and checks the rows of one chunk; problems carry an order per column."""

    def __init__(self, ctx: RowContext, placeholders: dict[str, list[Any]]) -> None:
        self.ctx = ctx
        self.placeholders = placeholders
        self.problems: list[_Problem] = []

    def parse(self, chunk: Chunk) -> _Part:
        keep, problems = _encoding_problems(chunk, self.ctx)
        self.problems += problems
        rows = chunk.rows
        index = self.ctx.index
        raw = {name: chunk.columns[i] for name, i in index.items()}
        if not keep.all():
            selected = np.flatnonzero(keep).tolist()
            raw = {name: [column[j] for j in selected] for name, column in raw.items()}
            rows = rows[keep]
        n = len(rows)
        ok = np.ones(n, dtype=bool)

        def bad(i: int, order: int, name: str, reason: str, message: str) -> None:
            ok[i] = False
            value = raw[name][i] if name in raw else ""
            shown = show_value(str(value)).replace("\x00", "\\x00") if value is not None else ""
            self.problems.append((int(rows[i]), order, name, shown, reason, message))

        stamps: dict[str, Stamps] = {}
        for k, name in enumerate(_STAMPS):
            if name not in raw:
                stamps[name] = Stamps(np.full(n, NAT, dtype=np.int64), np.zeros(n, np.int64),
                                      np.zeros(n, dtype=bool), [])
                continue
            parsed = parse_stamps(raw[name], self.ctx.tz, None, chunk.text_only)
            for i, reason, message in parsed.bad:
                if reason == CALL_REASONS.DATE_OUT_OF_RANGE and name != "created":
                    seen = self.placeholders.setdefault(name, [0, str(raw[name][i]).strip()])
                    seen[0] += 1
                    continue
                bad(i, 200 + k, name, reason, message)
            for i in np.flatnonzero(parsed.dated).tolist():
                parsed.ns[i] = NAT
                bad(i, 200 + k, name, CALL_REASONS.DATE_WITHOUT_TIME,
                    "expected a date and a time of day, e.g. 2026-03-02T09:15:07+01:00 "
                    "(durations need the time)")
            stamps[name] = parsed
        bad_created = {p[0] for p in self.problems if p[2] == "created"}
        for i in np.flatnonzero(stamps["created"].ns == NAT).tolist():
            if int(rows[i]) not in bad_created:
                bad(i, 200, "created", CALL_REASONS.MISSING_VALUE,
                    "expected when the call arrived")

        abandoned, cells = parse_bools(raw["abandoned"], chunk.text_only)
        for i, reason, message in cells:
            bad(i, 300, "abandoned", reason, message)
        unreadable = {c[0] for c in cells}
        for i in np.flatnonzero(abandoned < 0).tolist():
            if i not in unreadable:
                bad(i, 300, "abandoned", CALL_REASONS.MISSING_VALUE,
                    "expected yes or no (true/false, 1/0)")

        text: dict[str, list[str | None]] = {}
        for k, name in enumerate(_TEXT):
            if name not in raw:
                text[name] = [None] * n
                continue
            values = parse_text(raw[name], self.ctx.shared.setdefault(name, Interned()),
                                chunk.text_only)
            for i, value in enumerate(values):
                if _is_formula(value):
                    bad(i, 400 + k, name, CALL_REASONS.FORMULA,
                        "expected plain text; the cell holds a spreadsheet formula (export "
                        "the values, not the formulas)")
            text[name] = values
        resolver = self.ctx.resolve_tier
        if "tier" in raw or (resolver.allowed is not None and len(resolver.allowed) == 1):
            default = resolver.allowed[0] if "tier" not in raw and resolver.allowed else None
            tiers: list[str | None] = []
            for i, value in enumerate(text["tier"]):
                tier, problem = resolver[(value or default, None)]
                if problem is not None and not _is_formula(value):
                    bad(i, 450, "tier", problem[2], problem[3])
                tiers.append(tier)
            text["tier"] = tiers
        else:
            text["tier"] = [ALL_TIERS] * n  # no tier column and no base scenario
        self._order(stamps, abandoned, bad)
        return _Part(rows, ok, text, {k: s.ns for k, s in stamps.items()}, abandoned)

    @staticmethod
    def _order(stamps: Mapping[str, Stamps], abandoned: npt.NDArray[np.int8],
               bad: Any) -> None:
        c, a, e, w = (stamps[k].ns for k in _STAMPS)

        def both(x: npt.NDArray[np.int64], y: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
            return (x != NAT) & (y != NAT)

        def flag(mask: npt.NDArray[np.bool_], order: int, name: str, reason: str,
                 message: str) -> None:
            for i in np.flatnonzero(mask).tolist():
                bad(i, order, name, reason, message)

        flag(both(a, c) & (a < c), 800, "answered", CALL_REASONS.ANSWERED_BEFORE_CREATED,
             "expected a time at or after created")
        flag(both(e, a) & (e < a), 801, "ended", CALL_REASONS.ENDED_BEFORE_ANSWERED,
             "expected a time at or after answered")
        flag((a == NAT) & both(e, c) & (e < c), 802, "ended", CALL_REASONS.ENDED_BEFORE_CREATED,
             "expected a time at or after created")
        flag(both(w, e) & (w < e), 803, "wrapup_ended", CALL_REASONS.WRAPUP_BEFORE_END,
             "expected a time at or after ended")
        flag((w != NAT) & (e == NAT), 804, "wrapup_ended", CALL_REASONS.WRAPUP_WITHOUT_END,
             "expected ended too: wrap-up follows a call's talk")
        flag((abandoned == 1) & (a != NAT), 805, "abandoned", CALL_REASONS.ANSWERED_AND_ABANDONED,
             "an abandoned call hung up before service; expected abandoned = no when the call "
             "was answered, or an empty answered")


def _duplicates(ids: npt.NDArray[np.object_], rows: npt.NDArray[np.int64],
                ok: npt.NDArray[np.bool_]) -> list[_Problem]:
    """Rows whose call id an earlier row has (even a rejected one); marks them not ``ok``."""
    present = np.flatnonzero(pd.notna(ids))
    repeat = pd.Series(ids[present]).duplicated(keep="first").to_numpy()
    first = pd.Series(np.arange(len(present)), index=ids[present]).groupby(level=0).min()
    out: list[_Problem] = []
    for position in present[repeat].tolist():
        ok[position] = False
        original = rows[present[int(first[ids[position]])]]
        out.append((int(rows[position]), 900, "call_id", show_value(str(ids[position])),
                    CALL_REASONS.DUPLICATE_ID, f"the same id as row {original} (the first row "
                    "is kept)"))
    return out


def _first_attempts(lead: npt.NDArray[np.object_], created: npt.NDArray[np.int64],
                    answered: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """The first row of each lead by created, then answered (unanswered last)."""
    n = len(lead)
    first = np.ones(n, dtype=bool)
    has = np.flatnonzero(pd.notna(lead))
    if not len(has):
        return first
    key = np.where(answered[has] == NAT, np.iinfo(np.int64).max, answered[has])
    order = has[np.lexsort((key, created[has]))]
    seen = pd.Series(lead[order]).duplicated(keep="first").to_numpy()
    first[order[seen]] = False
    return first


def _conversations(source: str, rows: npt.NDArray[np.int64], number: npt.NDArray[np.object_],
                   outcome: npt.NDArray[np.object_], answered: npt.NDArray[np.int64],
                   has_answered: bool) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.object_]]:
    """The ``conversation`` numbers (0: none) and outcomes of the kept rows.

    Raises
    ------
    InputError
        One problem per bad cell (the first 20), each naming the row, value and what was
        expected.
    """
    n = len(rows)
    out_n = np.zeros(n, dtype=np.int64)
    out_o = np.full(n, None, dtype=object)
    problems: list[Problem] = []

    def bad(i: int, column: str, value: object, expected: str) -> None:
        problems.append(Problem(source, f"row {int(rows[i])}, column {column!r}",
                                f"got {show_value(str(value))!r}; expected {expected}"))

    for i in range(n):
        text, label = number[i], outcome[i]
        if text is None:
            if label is not None:
                bad(i, "outcome", label, "an empty outcome on a row without a conversation "
                    "number (an outcome belongs to a conversation)")
            continue
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (value.is_integer() and 1 <= value <= _MAX_CONVERSATION):
            bad(i, "conversation", text, f"a whole number from 1 to {_MAX_CONVERSATION:,} "
                "(this call's conversation number with the lead), or empty")
            continue
        if has_answered and answered[i] == NAT:
            bad(i, "conversation", text, "an empty conversation on a call that was not "
                "answered (a conversation is an answered call)")
            continue
        key = "undecided" if label is None else label.strip().lower()
        if key not in CALL_OUTCOMES:
            bad(i, "outcome", label, f"one of {', '.join(CALL_OUTCOMES)} (empty = undecided)")
            continue
        out_n[i], out_o[i] = int(value), key
    if problems:
        more = len(problems) - 20
        shown = problems[:20]
        if more > 0:
            shown.append(Problem(source, "", f"... and {more} more such cells"))
        raise InputError(shown)
    return out_n, out_o


def read_calls(
    data: str | Path | pd.DataFrame,
    timezone: str = "UTC",
    tiers: Sequence[str] | None = None,
    *,
    mapping: Mapping[str, str] | None = None,
    strict: bool = False,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    source: str | None = None,
) -> CallImport:
    """Read a call-level export; every row ends up in ``calls`` or in ``rejected``.

    Parameters
    ----------
    data
        A CSV file or a DataFrame with the columns of this module.
    timezone
        IANA zone of naive timestamps (timestamps with an offset are converted to it).
    tiers
        Allowed tier names (the base scenario's); ``None`` accepts any. Without a ``tier``
        column every call is of the only tier (an input error with several tiers).
    mapping
        Canonical name -> the export's column (``{"created": "ArrivalTime"}``).
    strict
        Raise :class:`~slasim.errors.InputError` listing the rows if any row is rejected.
    encoding, delimiter, source
        How to read a file (the delimiter is detected when ``None``); name in messages.
    """
    try:
        tz = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise InputError.single("--timezone", "", f"got {timezone!r}: no such time zone; "
                                "expected an IANA time zone, e.g. Europe/Stockholm") from None
    if isinstance(data, pd.DataFrame):
        name = source or "<DataFrame>"
        if data.empty:
            raise InputError.single(name, "", "the table has no rows; expected one row per call")
        table: Table = frame_table(data, name)
    else:
        name = source or str(data)
        table = open_table(data, encoding, delimiter)
    placeholders: dict[str, list[Any]] = {}
    try:
        found = _resolve(table.header, dict(mapping or {}), name)
        pair = [c for c in ("conversation", "outcome") if c in found]
        if len(pair) == 1:
            other = "outcome" if pair[0] == "conversation" else "conversation"
            raise InputError.single(
                name, f"column {other!r}", f"is missing while {pair[0]!r} (file column "
                f"{found[pair[0]]!r}) is present; expected both conversation and outcome "
                f"(map yours with --map {other}=YOUR_COLUMN), or neither",
            )
        if "tier" not in found and tiers is not None and len(tiers) > 1:
            raise InputError.single(
                name, "column 'tier'", f"is missing and the base scenario has {len(tiers)} "
                f"tiers {list(tiers)}; expected a tier column naming one of them per call",
            )
        ctx = RowContext(
            index={n: table.header.index(c) for n, c in found.items()}, tz=tz,
            resolve_tier=TierResolver(tiers, {}), date_format=None, decimal_comma=False,
            encoding=table.encoding,
        )
        parser = _ChunkParser(ctx, placeholders)
        parts = [parser.parse(chunk) for chunk in table.chunks()]
    finally:
        table.close()
    problems = [(r, 0, c, v, reason, m) for r, c, v, reason, m in table.problems]
    problems += parser.problems
    rows = np.concatenate([p.rows for p in parts]) if parts else np.zeros(0, np.int64)
    ok = np.concatenate([p.ok for p in parts]) if parts else np.zeros(0, bool)
    text = {k: np.array([v for p in parts for v in p.text[k]], dtype=object) for k in _TEXT}
    stamps = {k: (np.concatenate([p.stamps[k] for p in parts]) if parts
                  else np.zeros(0, np.int64)) for k in _STAMPS}
    abandoned = np.concatenate([p.abandoned for p in parts]) if parts else np.zeros(0, np.int8)
    problems += _duplicates(text["call_id"], rows, ok)
    problems.sort(key=lambda p: (p[0], p[1]))
    rejected = pd.DataFrame([p[:1] + p[2:] for p in problems], columns=_REJECTED_COLUMNS)
    if strict and problems:
        raise InputError(_strict_problems(name, rejected))

    first = _first_attempts(text["lead_id"][ok], stamps["created"][ok], stamps["answered"][ok])
    frame: dict[str, Any] = {"row": rows[ok]}
    for key in ("call_id", "lead_id", "tier", "agent"):
        frame[key] = pd.Series(text[key][ok], dtype=object)
    for key in _STAMPS:
        frame[key] = pd.DatetimeIndex(stamps[key][ok].view("M8[ns]")).tz_localize(
            "UTC").tz_convert(timezone)
    frame["abandoned"] = abandoned[ok] == 1
    frame["first"] = first
    frame["conversation"], frame["outcome"] = _conversations(
        name, rows[ok], text["conversation"][ok], text["outcome"][ok], stamps["answered"][ok],
        "answered" in found)
    calls = pd.DataFrame(frame)
    known = np.concatenate([stamps[k][ok] for k in _STAMPS])
    known = known[known != NAT]
    resolution = 1.0 if len(known) and not (known % 10**9).any() else 0.0

    notes = list(table.notes)
    notes += [f"{col}: {count} values outside 1678-01-01 .. 2261-12-31 (e.g. {example!r}, a "
              "usual 'no date' placeholder) read as blank"
              for col, (count, example) in placeholders.items()]
    if len(calls) and not calls["first"].all():
        notes.append(f"attempt-level export: {int((~calls['first']).sum())} rows are later "
                     "attempts of a lead (used for handling, wrap-up and the roster, not for "
                     "arrivals and patience)")
    by_reason = (rejected.drop_duplicates(["row", "reason"]).groupby("reason", sort=False)["row"]
                 .count() if len(rejected) else pd.Series(dtype="int64", name="row"))
    rows_rejected = int(rejected["row"].nunique())
    created = calls["created"]
    count = table.count
    summary = ImportSummary(
        source=name, rows_read=len(calls) + rows_rejected, rows_used=len(calls),
        rows_rejected=rows_rejected, blank_rows=count.blank,
        rejected_by_reason=by_reason.rename("rows"),
        date_only=pd.DataFrame(columns=["column", "date_only", "total"]),
        first_created=created.min().to_pydatetime() if len(calls) else None,
        last_created=created.max().to_pydatetime() if len(calls) else None,
        timezone=timezone, delimiter=table.delimiter, encoding=table.encoding,
        columns=pd.DataFrame(list(found.items()), columns=["canonical", "file_column"]),
        notes=tuple(notes), file_lines=count.lines if table.from_file else None,
        header_lines=count.header, continuation_lines=count.continuation,
        created_column="created",
    )
    return CallImport(calls, rejected, summary, resolution)
