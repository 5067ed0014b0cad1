"""The result of importing an export: the kept rows, the rejected rows and what happened to
every line (:class:`CrmImport`, :class:`ImportSummary`), and the error that ``strict=True``
raises from the rejected rows (:func:`strict_problems`).

:func:`slasim.crm.io.importer.read_crm` and :func:`slasim.crm.io.calls.read_calls` build them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from slasim.errors import InputError, Problem
from slasim.outputs import json_table

__all__ = ["MAX_LISTED", "CrmImport", "ImportSummary", "strict_problems"]

#: Problems listed in a strict-mode InputError before "... and N more".
MAX_LISTED = 50
_RESPONSE_COLUMNS = ("created_at", "first_attempt_at", "contacted_at")


@dataclass(frozen=True)
class ImportSummary:
    """What happened to the rows of one CRM export.

    Attributes
    ----------
    source
        The file (or ``<DataFrame>``).
    rows_read, rows_used, rows_rejected
        Data rows (blank rows excluded); ``rows_read == rows_used + rows_rejected``.
    blank_rows
        Rows without any content, skipped.
    rejected_by_reason
        Rejected rows per reason (a row with two different problems counts under both).
    date_only
        One row per timestamp column present: ``column``, ``date_only`` (values that are
        dates without a time), ``total`` (non-blank values).
    first_created, last_created
        Time range of ``created_at`` over the used rows (``None`` if none).
    timezone, delimiter, encoding
        How the file was read.
    columns
        ``canonical`` -> ``file_column`` for every canonical column found.
    notes
        Detected peculiarities (BOM, delimiter, tiers taken from sources, ...).
    file_lines, header_lines, continuation_lines
        Physical lines of the file (``None`` for a DataFrame), of its header, and the lines
        after the first of rows whose quoted values span lines: ``file_lines == header_lines
        + rows_read + blank_rows + continuation_lines``, every line accounted for (see
        :mod:`slasim.crm.io._reader`).
    created_column
        The arrival column's name (``created`` in a call-level export).
    """

    source: str
    rows_read: int
    rows_used: int
    rows_rejected: int
    blank_rows: int
    rejected_by_reason: pd.Series
    date_only: pd.DataFrame
    first_created: datetime | None
    last_created: datetime | None
    timezone: str
    delimiter: str
    encoding: str
    columns: pd.DataFrame
    notes: tuple[str, ...] = ()
    file_lines: int | None = None
    header_lines: int = 0
    continuation_lines: int = 0
    created_column: str = "created_at"

    def line_accounting(self) -> str | None:
        """``lines in file: N = 1 header + U used + R rejected + B blank (+ C continuation)``."""
        if self.file_lines is None:
            return None
        text = (
            f"lines in file: {self.file_lines} = {self.header_lines} header + "
            f"{self.rows_used} used + {self.rows_rejected} rejected + {self.blank_rows} blank"
        )
        if self.continuation_lines:
            text += (f" + {self.continuation_lines} continuation (quoted values spanning "
                     "lines)")
        return text

    def lines(self) -> list[str]:
        """The summary as short lines of text."""
        out = [
            f"{self.source}: {self.rows_read} rows read, {self.rows_used} used, "
            f"{self.rows_rejected} rejected"
            + (f" ({self.blank_rows} blank rows skipped)" if self.blank_rows else "")
        ]
        accounting = self.line_accounting()
        if accounting is not None:
            out.append(f"  {accounting}")
        for reason, count in self.rejected_by_reason.items():
            out.append(f"  rejected: {count} rows with {reason}")
        reasons = sum(int(count) for _, count in self.rejected_by_reason.items())
        if reasons > self.rows_rejected:
            out.append(f"  ({reasons} reasons for {self.rows_rejected} rows: a row can have "
                       "several)")
        for name, dated, total in self.date_only.itertuples(index=False, name=None):
            if dated:
                tail = (
                    "response times cannot be measured from them"
                    if name in _RESPONSE_COLUMNS
                    else "their time of day is unknown"
                )
                out.append(f"{name}: {dated} of its {total} non-blank values are dates without "
                           f"time; {tail}")
        if self.first_created is not None and self.last_created is not None:
            out.append(
                f"{self.created_column} from {self.first_created.isoformat()} to "
                f"{self.last_created.isoformat()} ({self.timezone})"
            )
        out.extend(f"note: {n}" for n in self.notes)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: every attribute; the tables as records, times in ISO 8601."""
        return {
            "source": self.source, "rows_read": self.rows_read, "rows_used": self.rows_used,
            "rows_rejected": self.rows_rejected, "blank_rows": self.blank_rows,
            "rejected_by_reason": {str(k): int(v) for k, v in self.rejected_by_reason.items()},
            "date_only": _records(self.date_only), "columns": _records(self.columns),
            "first_created": None if self.first_created is None else self.first_created.isoformat(),
            "last_created": None if self.last_created is None else self.last_created.isoformat(),
            "timezone": self.timezone, "delimiter": self.delimiter, "encoding": self.encoding,
            "notes": list(self.notes), "file_lines": self.file_lines,
            "header_lines": self.header_lines, "continuation_lines": self.continuation_lines,
            "created_column": self.created_column,
        }


@dataclass(frozen=True)
class CrmImport:
    """The result of :func:`read_crm`.

    Attributes
    ----------
    leads
        Used rows, one per lead, every canonical column present (missing ones all-null):
        ``row`` (spreadsheet row), text columns as ``str``/``None``, timestamps as
        ``datetime64[ns, timezone]``, ``attempts`` as ``Int64``, ``qualified`` and
        ``opportunity`` as ``boolean``, numbers as ``float64``.
    rejected
        One line per problem: ``row``, ``column``, ``value``, ``reason``, ``message``.
    summary
        :class:`ImportSummary`.
    date_only
        Boolean per timestamp column, aligned with ``leads``: the value was a date only.
    """

    leads: pd.DataFrame
    rejected: pd.DataFrame
    summary: ImportSummary
    date_only: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: the summary's :meth:`ImportSummary.to_dict`, then the leads and the
        rejected rows as records (timestamps in ISO 8601, UTC; missing values as None)."""
        return {"summary": self.summary.to_dict(), "leads": _records(self.leads),
                "rejected": _records(self.rejected)}

    def to_frame(self) -> pd.DataFrame:
        """:attr:`leads` as a new table, one row per imported lead."""
        return self.leads.copy()

    @property
    def present(self) -> tuple[str, ...]:
        """Canonical columns that were in the export."""
        return tuple(self.summary.columns["canonical"])

    def has(self, name: str) -> bool:
        """Whether canonical column ``name`` was in the export."""
        return name in self.present

    def export_stamp(self, as_of: datetime | pd.Timestamp, timezone: str) -> pd.Timestamp:
        """``as_of`` as an aware time, checked by :meth:`check_as_of`. A naive time is local
        time of ``timezone`` read as the business calendar reads one: inside a spring-forward
        gap with the offset before it (02:30 is 03:30), a fall-back time at its first occurrence
        (pandas' ``tz_localize`` raised on both)."""
        stamp = pd.Timestamp(as_of)
        if stamp.tzinfo is None:
            local = stamp.to_pydatetime().replace(tzinfo=ZoneInfo(timezone))
            stamp = pd.Timestamp(local).tz_convert(timezone)
        self.check_as_of(stamp)
        return stamp

    def check_as_of(self, as_of: pd.Timestamp, option: str = "--as-of") -> None:
        """Refuse an export time before the first lead was created.

        An export cannot be taken before its own leads exist; measured from such a time every
        lead would have a negative age.

        Raises
        ------
        InputError
            ``<cli>: --as-of: got ...; expected a time at or after the first lead's creation``.
        """
        first = self.summary.first_created
        if first is not None and as_of < pd.Timestamp(first):
            shown = as_of.tz_convert(first.tzinfo) if first.tzinfo is not None else as_of
            raise InputError.single(
                "<cli>", option,
                f"got {shown.isoformat()}, before the first lead of {self.summary.source} was "
                f"created ({first.isoformat()}); expected the time the export was taken, at or "
                "after its first lead",
            )


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    # Through pandas' JSON writer: NaN and NA become null, timestamps ISO text, numpy numbers
    # plain numbers.
    return list(json_table(frame, date_format="iso"))


def strict_problems(source: str, rejected: pd.DataFrame) -> list[Problem]:
    """The ``strict=True`` error: the first :data:`MAX_LISTED` problems, then a count."""
    problems = [
        Problem(
            source,
            f"row {r.row}, column {r.column!r}" if r.column else f"row {r.row}",
            f"{r.reason}: got {r.value!r}; {r.message}",
        )
        for r in rejected.head(MAX_LISTED).itertuples()
    ]
    rows = rejected["row"].nunique()
    extra = len(rejected) - MAX_LISTED
    tail = f" ({extra} more problems not listed)" if extra > 0 else ""
    problems.append(
        Problem(source, "", f"{rows} rows rejected{tail}; fix them or run without --strict")
    )
    return problems
