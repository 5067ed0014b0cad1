"""Import a CRM export without losing a row: every row is either used or reported.

:func:`read_crm` reads a CSV file (or a DataFrame) in the format of :mod:`slasim.crm.io.schema`
and returns a :class:`~slasim.crm.io.imported.CrmImport`: the clean, typed leads; the rejected
rows with the column, value and reason; and a summary (rows read, used, rejected by reason,
date-only columns, time range). ``rows_read == rows_used + rows_rejected`` always holds, and
for a file every physical line is accounted for: ``lines = header + rows_read + blank +
continuation lines``. Whole-file mistakes (file missing or empty, a required column missing, a
clearly wrong delimiter, a bad ``--encoding`` or ``--timezone``) raise
:class:`~slasim.errors.InputError`; so does any rejected row with ``strict=True``.

The file is read in chunks of rows (:data:`~slasim.crm.io._reader.CHUNK_ROWS`) parsed column by
column into numpy arrays, so memory stays a small multiple of the file size.
"""

from __future__ import annotations

import difflib
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from slasim.crm.io._reader import Table, frame_table, open_table, show_value
from slasim.crm.io._rows import ORDER_DUPLICATE, ChunkRows, RowContext, TierResolver, parse_chunk
from slasim.crm.io._rows import Problem as RowProblem
from slasim.crm.io._values import MAX_DATE, MIN_DATE, date_format_problem
from slasim.crm.io.imported import CrmImport, ImportSummary, strict_problems
from slasim.crm.io.schema import COLUMNS, REASONS, TIMESTAMP_COLUMNS, check_canonical
from slasim.errors import InputError, Problem

__all__ = ["read_crm"]

_REJECTED_COLUMNS = ["row", "column", "value", "reason", "message"]


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


def _collect(table: Table, ctx: RowContext) -> tuple[list[ChunkRows], list[RowProblem]]:
    """Parse every chunk; then the duplicate-id check over all of them."""
    parts = [parse_chunk(chunk, ctx) for chunk in table.chunks()]
    problems: list[RowProblem] = [
        (r, 0, c, v, reason, m) for r, c, v, reason, m in table.problems
    ]
    for part in parts:
        problems += part.problems
        part.problems = []
    if parts:
        problems += _duplicates(parts)
    problems.sort(key=lambda p: (p[0], p[1]))
    return parts, problems


def _duplicates(parts: Sequence[ChunkRows]) -> list[RowProblem]:
    """A row whose id an earlier row has (even a rejected one) is rejected; the first is kept.

    Marks the duplicates not ``ok`` in ``parts``.
    """
    ids = np.concatenate([p.lead_id for p in parts])
    has_id = np.flatnonzero(pd.notna(ids))
    codes, _ = pd.factorize(ids[has_id])
    _, first = np.unique(codes, return_index=True)
    first_of = has_id[first[codes]]  # position of the first row with each row's id
    repeat = has_id[has_id != first_of]
    if not len(repeat):
        return []
    rows = np.concatenate([p.rows for p in parts])
    sizes = np.cumsum([0] + [len(p.rows) for p in parts])
    problems: list[RowProblem] = []
    for position, original in zip(repeat.tolist(), first_of[has_id != first_of].tolist(),
                                  strict=True):
        part = int(np.searchsorted(sizes, position, side="right")) - 1
        parts[part].ok[position - sizes[part]] = False
        problems.append((
            int(rows[position]), ORDER_DUPLICATE, "lead_id", show_value(str(ids[position])),
            REASONS.DUPLICATE_ID, f"the same id as row {rows[original]} (the first row is kept)",
        ))
    return problems


def _leads_frame(parts: Sequence[ChunkRows], tz: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The used rows as the ``leads`` frame, one column at a time; empties ``parts``."""
    used = np.concatenate([p.ok for p in parts]) if parts else np.zeros(0, dtype=bool)
    all_used = bool(used.all())

    def join(attr: str, key: str | None = None, dtype: Any = None) -> np.ndarray:
        # Each part's array is dropped once joined: the parts shrink as the frame grows.
        empty = np.zeros(0, dtype=dtype)
        pieces = []
        for p in parts:
            if key is None:
                pieces.append(getattr(p, attr))
                setattr(p, attr, empty)
            else:
                pieces.append(getattr(p, attr).pop(key))
        whole = np.concatenate(pieces) if pieces else empty
        del pieces
        out = whole if all_used else whole[used]
        return out.astype(dtype, copy=False) if dtype is not None else out

    data: dict[str, Any] = {"row": pd.Series(join("rows", dtype=np.int64), copy=False)}
    flags: dict[str, Any] = {}
    for col in COLUMNS:
        name = col.name
        if col.kind == "timestamp":
            ns = join("stamps", name, np.int64)
            stamps = pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC").tz_convert(tz)
            data[name] = pd.Series(stamps, copy=False)
            flags[name] = join("dated", name, bool)
        elif col.kind == "integer":
            values = join("attempts", dtype=np.float64)
            data[name] = pd.Series(pd.array(values, dtype="Float64").astype("Int64"), copy=False)
        elif col.kind == "boolean":
            codes = join("flags", name, np.int8)
            data[name] = pd.Series(pd.arrays.BooleanArray(codes == 1, codes < 0), copy=False)
        elif col.kind == "number":
            data[name] = pd.Series(join("numbers", name, np.float64), copy=False)
        elif name == "lead_id":
            data[name] = pd.Series(join("lead_id", dtype=object), dtype=object, copy=False)
        else:
            data[name] = pd.Series(join("text", name, object), dtype=object, copy=False)
    leads = pd.DataFrame(data, copy=False)
    date_only = pd.DataFrame(flags, columns=list(TIMESTAMP_COLUMNS), dtype=bool, copy=False)
    return leads, date_only


def _placeholder_notes(parts: Sequence[ChunkRows]) -> list[str]:
    seen: dict[str, list[Any]] = {}
    for part in parts:
        for name, (count, example) in part.placeholders.items():
            seen.setdefault(name, [0, example])[0] += count
    return [
        f"{name}: {count} values outside {MIN_DATE} .. {MAX_DATE} (e.g. {example!r}, a usual "
        "'no date' placeholder) read as blank"
        for name, (count, example) in seen.items()
    ]


def _date_counts(parts: Sequence[ChunkRows], present: Iterable[str]) -> dict[str, list[int]]:
    counts = {name: [0, 0] for name in TIMESTAMP_COLUMNS if name in present}
    for part in parts:
        for name, (dated, total) in part.date_counts.items():
            counts[name][0] += dated
            counts[name][1] += total
    return counts


def _check_mapped_tiers(st_map: Mapping[str, str], tiers: Sequence[str] | None) -> None:
    """A --source-tier naming no tier of the scenario would reject every row it maps, one
    by one (8,000 rejected rows, exit 0): refused at once."""
    known = {t.lower() for t in tiers} if tiers is not None else None
    wrong = sorted({t for t in st_map.values() if known is not None and t.lower() not in known})
    if wrong:
        raise InputError.single(
            "<cli>", "--source-tier", f"got tier {wrong[0]!r}, which the scenario does not have; "
            f"expected one of {list(tiers or ())} (TIER=SOURCE1,SOURCE2)")


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
        A CSV file or a DataFrame with the columns of :mod:`slasim.crm.io.schema`.
    mapping
        Canonical name -> the export's column name, e.g. ``{"created_at": "CreatedDate"}``
        (see :func:`~slasim.crm.io.schema.parse_mapping`). Unmapped canonical columns are found
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
        Whole-file problems (see :func:`~slasim.crm.io._reader.read_table`), a missing required
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
    tz = _zone(timezone)  # before the file: a typo must not wait for a long read
    if isinstance(data, pd.DataFrame):
        name = source or "<DataFrame>"
        if data.empty:
            raise InputError.single(name, "", "the table has no rows; expected one row per lead")
        table = frame_table(data, name)
    else:
        name = source or str(data)
        table = open_table(data, encoding, delimiter)
    try:
        mapping_d = dict(mapping.items() if isinstance(mapping, Mapping) else (mapping or ()))
        check_canonical(mapping_d, "--map")
        found = _resolve_columns(table.header, mapping_d, name)
        st_map = dict(
            source_tiers.items() if isinstance(source_tiers, Mapping) else (source_tiers or ())
        )
        _check_mapped_tiers(st_map, tiers)
        notes = list(table.notes) + _check_required(found, table.header, name, bool(st_map))
        ctx = RowContext(
            index={n: table.header.index(c) for n, c in found.items()},
            tz=tz,
            resolve_tier=TierResolver(tiers, st_map),
            date_format=date_format,
            decimal_comma=table.delimiter == ";",
            encoding=table.encoding,
        )
        parts, problems = _collect(table, ctx)
    finally:
        table.close()
    rejected = pd.DataFrame([p[:1] + p[2:] for p in problems], columns=_REJECTED_COLUMNS)
    if strict and problems:
        raise InputError(strict_problems(name, rejected))
    counts = _date_counts(parts, found)
    notes += _placeholder_notes(parts)
    leads, date_only = _leads_frame(parts, timezone)
    del parts
    by_reason = (
        rejected.drop_duplicates(["row", "reason"]).groupby("reason", sort=False)["row"].count()
        if len(rejected) else pd.Series(dtype="int64", name="row")
    )
    created = leads["created_at"]
    rows_rejected = int(rejected["row"].nunique())
    count = table.count
    summary = ImportSummary(
        source=name,
        rows_read=len(leads) + rows_rejected,
        rows_used=len(leads),
        rows_rejected=rows_rejected,
        blank_rows=count.blank,
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
        file_lines=count.lines if table.from_file else None,
        header_lines=count.header,
        continuation_lines=count.continuation,
    )
    return CrmImport(leads, rejected, summary, date_only)


def _zone(timezone: str) -> zoneinfo.ZoneInfo:
    """The IANA zone ``timezone``; an InputError naming ``--timezone`` otherwise."""
    problem = None
    if not isinstance(timezone, str) or not timezone.strip():
        problem = "an empty name"
    else:
        try:
            return zoneinfo.ZoneInfo(timezone)
        except zoneinfo.ZoneInfoNotFoundError:
            problem = "no such time zone"
        except (ValueError, OSError) as exc:  # "../x", absolute paths, a folder like "Europe"
            problem = f"not a time zone name ({type(exc).__name__})"
    raise InputError.single(
        "--timezone", "",
        f"got {timezone!r}: {problem}; expected an IANA time zone, e.g. Europe/Stockholm",
    )
