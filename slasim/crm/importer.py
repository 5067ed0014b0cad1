"""Import a CRM export without losing a row: every row is either used or reported.

:func:`read_crm` reads a CSV file (or a DataFrame) in the format of :mod:`slasim.crm.schema`
and returns a :class:`CrmImport`: the clean, typed leads; the rejected rows with the column,
value and reason; and a summary (rows read, used, rejected by reason, date-only columns, time
range). ``rows_read == rows_used + rows_rejected`` always holds. Whole-file mistakes (file
missing or empty, a required column missing, a clearly wrong delimiter) raise
:class:`~slasim.errors.InputError`; so does any rejected row with ``strict=True``.
"""

from __future__ import annotations

import difflib
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from slasim.crm._reader import RawTable, delimiter_name, has_undecodable, read_table, show_value
from slasim.crm._values import (
    BadValue,
    date_format_problem,
    is_blank,
    parse_bool,
    parse_integer,
    parse_number,
    parse_timestamp,
)
from slasim.crm.schema import COLUMNS, REASONS, TIMESTAMP_COLUMNS, check_canonical
from slasim.errors import InputError, Problem

__all__ = ["CrmImport", "ImportSummary", "read_crm"]

#: Problems listed in a strict-mode InputError before "... and N more".
MAX_LISTED = 50
_RESPONSE_COLUMNS = ("created_at", "first_attempt_at", "contacted_at")
_REJECTED_COLUMNS = ["row", "column", "value", "reason", "message"]


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

    def lines(self) -> list[str]:
        """The summary as short lines of text."""
        out = [
            f"{self.source}: {self.rows_read} rows read, {self.rows_used} used, "
            f"{self.rows_rejected} rejected"
            + (f" ({self.blank_rows} blank rows skipped)" if self.blank_rows else "")
        ]
        for reason, count in self.rejected_by_reason.items():
            out.append(f"  rejected: {count} rows with {reason}")
        for name, dated, total in self.date_only.itertuples(index=False, name=None):
            if dated:
                tail = (
                    "response times cannot be measured from them"
                    if name in _RESPONSE_COLUMNS
                    else "their time of day is unknown"
                )
                out.append(f"{name}: {dated} of {total} values are dates without time; {tail}")
        if self.first_created is not None and self.last_created is not None:
            out.append(
                f"created_at from {self.first_created.isoformat()} to "
                f"{self.last_created.isoformat()} ({self.timezone})"
            )
        out.extend(f"note: {n}" for n in self.notes)
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


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

    @property
    def present(self) -> tuple[str, ...]:
        """Canonical columns that were in the export."""
        return tuple(self.summary.columns["canonical"])

    def has(self, name: str) -> bool:
        """Whether canonical column ``name`` was in the export."""
        return name in self.present

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


def _normalise(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _resolve_columns(
    header: Sequence[str], mapping: Mapping[str, str], source: str
) -> dict[str, str]:
    """Canonical -> file column, from the mapping, exact names, then loose matches."""
    found: dict[str, str] = {}
    problems: list[Problem] = []
    loose = {_normalise(h): h for h in header}
    for col in COLUMNS:
        name = col.name
        if name in mapping:
            wanted = mapping[name]
            if wanted in header:
                found[name] = wanted
            else:
                hint = difflib.get_close_matches(wanted, list(header), n=1)
                did = f"; did you mean {hint[0]!r}?" if hint else ""
                problems.append(
                    Problem(
                        source,
                        f"--map {name}={wanted}",
                        f"column {wanted!r} is not in the file{did} The header has {list(header)}",
                    )
                )
        elif name in header:
            found[name] = name
        elif _normalise(name) in loose:
            # "Created At", "created-at", "CreatedAt" all mean created_at.
            found[name] = loose[_normalise(name)]
    if problems:
        raise InputError(problems)
    return found


def _check_required(
    found: Mapping[str, str], header: Sequence[str], source: str, has_source_map: bool
) -> list[str]:
    notes: list[str] = []
    missing = [c for c in ("lead_id", "created_at") if c not in found]
    if "tier" not in found:
        if "source" in found:
            if not has_source_map:
                notes.append(
                    f"no tier column: the source column {found['source']!r} is used as the tier"
                )
        else:
            missing.append("tier")
    if missing:
        raise InputError(
            [
                Problem(
                    source,
                    f"column {name!r}",
                    f"is missing (required); the columns found are {list(header)}; map yours "
                    f"with --map {name}=YOUR_COLUMN"
                    + (" (or give a source column with --source-tier)" if name == "tier" else ""),
                )
                for name in missing
            ]
        )
    return notes


class _Row:
    """Parses the fields of one row and collects its problems."""

    def __init__(self, number: int, values: Mapping[str, Any]) -> None:
        self.number = number
        self.values = values
        self.problems: list[tuple[int, str, str, str, str]] = []

    def bad(self, name: str, raw: object, reason: str, message: str) -> None:
        shown = show_value(str(raw)) if raw is not None else ""
        self.problems.append((self.number, name, shown, reason, message))

    def get(self, name: str, parse: Callable[[Any], Any]) -> Any:
        raw = self.values.get(name)
        if raw is None or is_blank(raw):
            return None
        try:
            return parse(raw)
        except BadValue as exc:
            self.bad(name, raw, exc.reason, exc.message)
            return None


def _tier_resolver(
    tiers: Sequence[str] | None, source_tiers: Mapping[str, str]
) -> Callable[[_Row, str | None, str | None], str | None]:
    allowed = list(tiers) if tiers is not None else None
    by_lower = {t.lower(): t for t in allowed} if allowed is not None else {}

    def resolve(row: _Row, tier: str | None, source: str | None) -> str | None:
        if tier is None and source_tiers:
            key = (source or "").strip()
            if key not in source_tiers:
                mapped = sorted(source_tiers)
                row.bad(
                    "source", source, REASONS.UNKNOWN_TIER,
                    f"source {key!r} maps to no tier; mapped sources: {mapped}",
                )
                return None
            tier = source_tiers[key]
        elif tier is None:
            tier = source.strip() if source is not None else None
        if tier is None:
            row.bad("tier", "", REASONS.MISSING_VALUE, "expected the lead's tier")
            return None
        tier = tier.strip()
        if allowed is None:
            return tier
        if tier in allowed:
            return tier
        if tier.lower() in by_lower:
            return by_lower[tier.lower()]
        hint = difflib.get_close_matches(tier, allowed, n=1)
        did = f" (did you mean {hint[0]!r}?)" if hint else ""
        row.bad("tier", tier, REASONS.UNKNOWN_TIER, f"expected one of the tiers {allowed}{did}")
        return None

    return resolve


def _before(a: datetime, a_date: bool, b: datetime, b_date: bool) -> bool:
    """``a`` strictly before ``b``; at day resolution when either is a date only."""
    if a_date or b_date:
        return a.date() < b.date()
    return a < b


def _parse_rows(
    table: RawTable,
    found: Mapping[str, str],
    tz: zoneinfo.ZoneInfo,
    resolve_tier: Callable[[_Row, str | None, str | None], str | None],
    date_format: str | None,
) -> tuple[list[dict[str, Any]], list[tuple[int, str, str, str, str]], dict[str, list[int]]]:
    index = {name: table.header.index(col) for name, col in found.items()}
    decimal_comma = table.delimiter == ";"
    width = len(table.header)
    used: list[dict[str, Any]] = []
    problems: list[tuple[int, str, str, str, str]] = []
    first_row: dict[str, int] = {}
    date_counts: dict[str, list[int]] = {n: [0, 0] for n in TIMESTAMP_COLUMNS if n in found}

    def ts(value: Any) -> tuple[datetime, bool]:
        return parse_timestamp(value, tz, date_format)

    for number, fields in table.rows:
        if len(fields) != width:
            problems.append(
                (number, "", str(len(fields)), REASONS.WRONG_FIELD_COUNT,
                 f"expected {width} fields like the header, got {len(fields)} (a "
                 f"{delimiter_name(table.delimiter)} inside an unquoted value?)")
            )
            continue
        values = {name: fields[i] for name, i in index.items()}
        row = _Row(number, values)
        for name, raw in values.items():
            if isinstance(raw, str) and has_undecodable(raw):
                row.bad(
                    name, raw, REASONS.ENCODING_ERROR,
                    f"bytes that are not valid {table.encoding}; the file may be "
                    "Windows-1252/Latin-1 encoded (pass --encoding cp1252)",
                )
        if row.problems:
            problems.extend(row.problems)
            continue
        rec: dict[str, Any] = {"row": number}
        lead_id = row.get("lead_id", lambda v: str(v).strip())
        if lead_id is None:
            row.bad("lead_id", "", REASONS.MISSING_VALUE, "expected the lead's id")
        rec["lead_id"] = lead_id
        for name in TIMESTAMP_COLUMNS:
            parsed = row.get(name, ts) if name in values else None
            rec[name], rec[f"{name}__date"] = parsed if parsed else (None, False)
            if parsed is not None:
                date_counts[name][0] += int(parsed[1])
                date_counts[name][1] += 1
        if rec["created_at"] is None and not any(p[1] == "created_at" for p in row.problems):
            row.bad("created_at", "", REASONS.MISSING_VALUE, "expected when the lead was created")
        for name in ("source", "owner", "status", "tier"):
            rec[name] = row.get(name, lambda v: str(v).strip()) if name in values else None
        rec["tier"] = resolve_tier(row, rec["tier"], rec["source"])
        attempts = row.get("attempts", parse_integer)
        if attempts is not None and attempts < 0:
            row.bad("attempts", values["attempts"], REASONS.NEGATIVE_ATTEMPTS, "expected >= 0")
        rec["attempts"] = attempts
        for name in ("deal_value", "conversation_minutes", "unanswered_minutes"):
            number_value = row.get(name, lambda v: parse_number(v, decimal_comma))
            if number_value is not None and number_value < 0:
                row.bad(name, values[name], REASONS.NEGATIVE_VALUE, "expected a value >= 0")
            rec[name] = number_value
        for name in ("qualified", "opportunity"):
            flag = row.get(name, parse_bool)
            if flag is None and rec[f"{name}_at"] is not None:
                flag = True
            if flag is None and (name in values or f"{name}_at" in values):
                flag = False  # a blank checkbox means "no"
            rec[name] = flag
        _check_order(row, rec, values)
        if lead_id is not None:
            # The first row with an id keeps it, even if that row is rejected for another
            # reason: fixing that row must not turn a later row into a silent duplicate.
            if lead_id in first_row:
                row.bad(
                    "lead_id", lead_id, REASONS.DUPLICATE_ID,
                    f"the same id as row {first_row[lead_id]} (the first row is kept)",
                )
            else:
                first_row[lead_id] = number
        if row.problems:
            problems.extend(row.problems)
        else:
            used.append(rec)
    return used, problems, date_counts


def _check_order(row: _Row, rec: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    created, first, contacted = rec["created_at"], rec["first_attempt_at"], rec["contacted_at"]
    cd, fd, kd = rec["created_at__date"], rec["first_attempt_at__date"], rec["contacted_at__date"]
    if created is not None and first is not None and _before(first, fd, created, cd):
        row.bad(
            "first_attempt_at", values["first_attempt_at"], REASONS.FIRST_ATTEMPT_BEFORE_CREATION,
            f"expected a time at or after created_at ({values['created_at']})",
        )
    if first is not None and contacted is not None and _before(contacted, kd, first, fd):
        row.bad(
            "contacted_at", values["contacted_at"], REASONS.CONTACTED_BEFORE_FIRST_ATTEMPT,
            f"expected a time at or after first_attempt_at ({values['first_attempt_at']})",
        )
    elif first is None and created is not None and contacted is not None and _before(
        contacted, kd, created, cd
    ):
        row.bad(
            "contacted_at", values["contacted_at"], REASONS.CONTACTED_BEFORE_CREATION,
            f"expected a time at or after created_at ({values['created_at']})",
        )
    for name in ("won_at", "lost_at"):
        stamp = rec[name]
        if created is not None and stamp is not None and _before(
            stamp, rec[f"{name}__date"], created, cd
        ):
            row.bad(
                name, values[name], REASONS.CLOSED_BEFORE_CREATION,
                f"expected a time at or after created_at ({values['created_at']})",
            )
    if rec["won_at"] is not None and rec["lost_at"] is not None:
        row.bad(
            "lost_at", values["lost_at"], REASONS.WON_AND_LOST,
            f"the lead is also won ({values['won_at']}); expected won_at or lost_at, not both",
        )


def _frame_table(frame: pd.DataFrame, source: str) -> RawTable:
    header = tuple(str(c).strip() for c in frame.columns)
    for name in header:
        if header.count(name) > 1:
            raise InputError.single(
                source, "header", f"column {name!r} appears {header.count(name)} times; "
                "expected unique column names"
            )
    columns = [frame[c].tolist() for c in frame.columns]
    rows = tuple(
        (i + 2, tuple(col[i] for col in columns)) for i in range(len(frame))
    )
    return RawTable(header, rows, 0, ",", "n/a", ())


def _leads_frame(used: list[dict[str, Any]], tz: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    data: dict[str, Any] = {"row": pd.array([r["row"] for r in used], dtype="int64")}
    flags: dict[str, Any] = {}
    for col in COLUMNS:
        values = [r.get(col.name) for r in used]
        if col.kind == "timestamp":
            series = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
            data[col.name] = series.dt.tz_convert(tz).dt.as_unit("ns")
            flags[col.name] = [bool(r.get(f"{col.name}__date", False)) for r in used]
        elif col.kind == "integer":
            data[col.name] = pd.array(values, dtype="Int64")
        elif col.kind == "boolean":
            data[col.name] = pd.array(values, dtype="boolean")
        elif col.kind == "number":
            data[col.name] = pd.array(
                [float("nan") if v is None else v for v in values], dtype="float64"
            )
        else:
            data[col.name] = pd.Series(values, dtype=object)
    leads = pd.DataFrame({k: pd.Series(v).reset_index(drop=True) for k, v in data.items()})
    date_only = pd.DataFrame(flags, columns=list(TIMESTAMP_COLUMNS), dtype=bool)
    return leads, date_only


def read_crm(
    data: str | Path | pd.DataFrame,
    mapping: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    timezone: str = "UTC",
    tiers: Sequence[str] | None = None,
    *,
    source_tiers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    strict: bool = False,
    date_format: str | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    source: str | None = None,
) -> CrmImport:
    """Read a CRM export; every row ends up in ``leads`` or in ``rejected``.

    Parameters
    ----------
    data
        A CSV file or a DataFrame with the columns of :mod:`slasim.crm.schema`.
    mapping
        Canonical name -> the export's column name, e.g. ``{"created_at": "CreatedDate"}``
        (see :func:`~slasim.crm.schema.parse_mapping`). Unmapped canonical columns are found
        by name, ignoring case, spaces and punctuation.
    timezone
        IANA zone: naive timestamps are local time there, timestamps with an offset are
        converted to it.
    tiers
        Allowed tier names (e.g. ``list(scenario.tiers)``); other tiers are rejected. ``None``
        accepts any tier.
    source_tiers
        Source value -> tier, used when a row has no tier (``""`` for a blank source).
    strict
        Raise :class:`~slasim.errors.InputError` listing the rows if any row is rejected.
    date_format
        ``strptime`` format for non-ISO timestamps, e.g. ``"%d/%m/%Y %H:%M"``.
    encoding, delimiter
        How to read a file; the delimiter is detected when ``None`` (and reported).
    source
        Name used in messages (default: the file name, or ``<DataFrame>``).

    Raises
    ------
    InputError
        Whole-file problems (see :func:`~slasim.crm._reader.read_table`), a missing required
        column (naming the file, the column and the columns found), an unknown time zone or
        mapping key, a ``date_format`` that is not a valid ``strptime`` format, or, with
        ``strict=True``, any rejected row.
    """
    if date_format is not None and (why := date_format_problem(date_format)) is not None:
        # Checked before any row: a bad format would otherwise reject every row one by one.
        raise InputError.single(
            "<cli>", "--date-format",
            f"got {date_format!r}, not a valid strptime format ({why}); expected e.g. "
            "'%d/%m/%Y %H:%M'",
        )
    if isinstance(data, pd.DataFrame):
        name = source or "<DataFrame>"
        if data.empty:
            raise InputError.single(name, "", "the table has no rows; expected one row per lead")
        table = _frame_table(data, name)
    else:
        name = source or str(data)
        table = read_table(data, encoding, delimiter)
    try:
        tz = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError.single(
            "--timezone", "", f"got {timezone!r}; expected an IANA time zone, e.g. Europe/Stockholm"
        ) from None
    mapping_d = dict(mapping.items() if isinstance(mapping, Mapping) else (mapping or ()))
    check_canonical(mapping_d, "--map")
    found = _resolve_columns(table.header, mapping_d, name)
    st_map = dict(
        source_tiers.items() if isinstance(source_tiers, Mapping) else (source_tiers or ())
    )
    notes = list(table.notes) + _check_required(found, table.header, name, bool(st_map))
    used, problems, counts = _parse_rows(
        table, found, tz, _tier_resolver(tiers, st_map), date_format
    )
    leads, date_only = _leads_frame(used, timezone)
    rejected = pd.DataFrame(problems, columns=_REJECTED_COLUMNS)
    if strict and problems:
        raise InputError(_strict_problems(name, rejected))
    by_reason = (
        rejected.drop_duplicates(["row", "reason"]).groupby("reason", sort=False)["row"].count()
        if len(rejected) else pd.Series(dtype="int64", name="row")
    )
    created = leads["created_at"]
    summary = ImportSummary(
        source=name,
        rows_read=len(table.rows),
        rows_used=len(leads),
        rows_rejected=int(rejected["row"].nunique()),
        blank_rows=table.blank_rows,
        rejected_by_reason=by_reason.rename("rows"),
        date_only=pd.DataFrame(
            [(c, d, n) for c, (d, n) in counts.items()], columns=["column", "date_only", "total"]
        ),
        first_created=created.min().to_pydatetime() if len(leads) else None,
        last_created=created.max().to_pydatetime() if len(leads) else None,
        timezone=timezone,
        delimiter=table.delimiter,
        encoding=table.encoding,
        columns=pd.DataFrame(list(found.items()), columns=["canonical", "file_column"]),
        notes=tuple(notes),
    )
    return CrmImport(leads, rejected, summary, date_only)


def _strict_problems(source: str, rejected: pd.DataFrame) -> list[Problem]:
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
