"""Read a call-level (or attempt-level) contact-centre export without losing a row.

The format (columns, reasons, ``--map``) is in :mod:`slasim.crm.io.calls_format`.

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

import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from slasim.crm.io._callrows import (
    STAMPS,
    TEXT,
    ChunkParser,
    conversations,
    duplicates,
    first_attempts,
)
from slasim.crm.io._parse import NAT
from slasim.crm.io._reader import Table, frame_table, open_table
from slasim.crm.io._rows import RowContext, TierResolver
from slasim.crm.io.calls_format import resolve_call_columns
from slasim.crm.io.imported import ImportSummary, strict_problems
from slasim.errors import InputError

__all__ = ["CallImport", "read_calls"]

_REJECTED_COLUMNS = ["row", "column", "value", "reason", "message"]


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
        :class:`~slasim.crm.io.imported.ImportSummary` (rows read, used, rejected by reason, line
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
        found = resolve_call_columns(table.header, dict(mapping or {}), name)
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
        parser = ChunkParser(ctx, placeholders)
        parts = [parser.parse(chunk) for chunk in table.chunks()]
    finally:
        table.close()
    problems = [(r, 0, c, v, reason, m) for r, c, v, reason, m in table.problems]
    problems += parser.problems
    rows = np.concatenate([p.rows for p in parts]) if parts else np.zeros(0, np.int64)
    ok = np.concatenate([p.ok for p in parts]) if parts else np.zeros(0, bool)
    text = {k: np.array([v for p in parts for v in p.text[k]], dtype=object) for k in TEXT}
    stamps = {k: (np.concatenate([p.stamps[k] for p in parts]) if parts
                  else np.zeros(0, np.int64)) for k in STAMPS}
    abandoned = np.concatenate([p.abandoned for p in parts]) if parts else np.zeros(0, np.int8)
    problems += duplicates(text["call_id"], rows, ok)
    problems.sort(key=lambda p: (p[0], p[1]))
    rejected = pd.DataFrame([p[:1] + p[2:] for p in problems], columns=_REJECTED_COLUMNS)
    if strict and problems:
        raise InputError(strict_problems(name, rejected))

    first = first_attempts(text["lead_id"][ok], stamps["created"][ok], stamps["answered"][ok])
    frame: dict[str, Any] = {"row": rows[ok]}
    for key in ("call_id", "lead_id", "tier", "agent"):
        frame[key] = pd.Series(text[key][ok], dtype=object)
    for key in STAMPS:
        frame[key] = pd.DatetimeIndex(stamps[key][ok].view("M8[ns]")).tz_localize(
            "UTC").tz_convert(timezone)
    frame["abandoned"] = abandoned[ok] == 1
    frame["first"] = first
    frame["conversation"], frame["outcome"] = conversations(
        name, rows[ok], text["conversation"][ok], text["outcome"][ok], stamps["answered"][ok],
        "answered" in found)
    calls = pd.DataFrame(frame)
    known = np.concatenate([stamps[k][ok] for k in STAMPS])
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
