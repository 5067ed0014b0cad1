"""The rules of a CRM row, applied to a chunk of rows at once.

:func:`parse_chunk` parses every canonical column of a :class:`~slasim.crm.io._reader.Chunk`
(:mod:`slasim.crm.io._parse`) and checks each row: missing required values, unknown tiers,
negative numbers, the order of its timestamps. It returns typed arrays for the rows whose
values could be read and one problem per rule broken; the duplicate-id check, which spans
chunks, is left to the caller. Problems carry an ``order`` so that a row's problems are listed
in a fixed order (encoding, id, timestamps, tier, attempts, numbers, booleans, order checks,
duplicate id) however the rows were chunked.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from slasim.crm.io._lines import Chunk, show_value
from slasim.crm.io._parse import (
    NAT,
    Interned,
    Stamps,
    bad_bytes,
    parse_bools,
    parse_numbers,
    parse_stamps,
    parse_text,
)
from slasim.crm.io.schema import REASONS, TIMESTAMP_COLUMNS

__all__ = [
    "NUMBER_COLUMNS",
    "ORDER_DUPLICATE",
    "TEXT_COLUMNS",
    "ChunkRows",
    "Problem",
    "RowContext",
    "TierProblem",
    "TierResolver",
    "parse_chunk",
]

#: ``(row, order, column, value, reason, message)``.
Problem = tuple[int, int, str, str, str, str]
#: ``(column, value, reason, message)`` of a row whose tier cannot be resolved.
TierProblem = tuple[str, str, str, str]
TEXT_COLUMNS = ("source", "owner", "status", "tier")
NUMBER_COLUMNS = ("deal_value", "conversation_minutes", "unanswered_minutes")
#: Order of the duplicate-id problem: the last of a row's problems.
ORDER_DUPLICATE = 900


@dataclass(frozen=True, eq=False)
class RowContext:
    """How to read the values of a file: positions of the canonical columns and options."""

    index: Mapping[str, int]
    tz: ZoneInfo
    resolve_tier: TierResolver
    date_format: str | None
    decimal_comma: bool
    encoding: str
    shared: dict[str, Interned] = field(default_factory=dict)


@dataclass(eq=False)
class ChunkRows:
    """The rows of a chunk whose values could be read (no encoding error), as arrays.

    ``ok`` is False for a row with any problem; timestamps are UTC nanoseconds (:data:`NAT`
    when missing), booleans 1/0/-1 (-1 = missing), numbers NaN when missing.
    """

    rows: npt.NDArray[np.int64]
    ok: npt.NDArray[np.bool_]
    lead_id: npt.NDArray[np.object_]
    text: dict[str, npt.NDArray[np.object_]]
    stamps: dict[str, npt.NDArray[np.int64]]
    dated: dict[str, npt.NDArray[np.bool_]]
    attempts: npt.NDArray[np.float64]
    numbers: dict[str, npt.NDArray[np.float64]]
    flags: dict[str, npt.NDArray[np.int8]]
    problems: list[Problem]
    #: Per timestamp column: ``[date-only values, parsed values]``.
    date_counts: dict[str, list[int]]
    #: Per optional timestamp column: ``[out-of-range values read as blank, first one]``.
    placeholders: dict[str, list[Any]]


class TierResolver(dict[tuple[str | None, str | None], tuple[str | None, TierProblem | None]]):
    """``resolver[tier, source]``: the row's tier, or ``None`` and the problem (column, value,
    reason, message); computed once per distinct pair."""

    def __init__(self, tiers: Sequence[str] | None, source_tiers: Mapping[str, str]) -> None:
        super().__init__()
        self.allowed = list(tiers) if tiers is not None else None
        self.by_lower = {t.lower(): t for t in self.allowed} if self.allowed is not None else {}
        self.source_tiers = source_tiers

    def __missing__(
        self, key: tuple[str | None, str | None]
    ) -> tuple[str | None, TierProblem | None]:
        value = self[key] = self._resolve(*key)
        return value

    def _resolve(
        self, tier: str | None, source: str | None
    ) -> tuple[str | None, TierProblem | None]:
        allowed = self.allowed
        if tier is None and self.source_tiers:
            key = (source or "").strip()
            if key not in self.source_tiers:
                mapped = sorted(self.source_tiers)
                return None, ("source", source or "", REASONS.UNKNOWN_TIER,
                              f"source {key!r} maps to no tier; mapped sources: {mapped}")
            tier = self.source_tiers[key]
        elif tier is None:
            tier = source.strip() if source is not None else None
        if tier is None:
            return None, ("tier", "", REASONS.MISSING_VALUE, "expected the lead's tier")
        tier = tier.strip()
        if allowed is None or tier in allowed:
            return tier, None
        if tier.lower() in self.by_lower:
            return self.by_lower[tier.lower()], None
        hint = difflib.get_close_matches(tier, allowed, n=1)
        did = f" (did you mean {hint[0]!r}?)" if hint else ""
        return None, ("tier", tier, REASONS.UNKNOWN_TIER,
                      f"expected one of the tiers {allowed}{did}")


def _shown(raw: object) -> str:
    return show_value(str(raw)).replace("\x00", "\\x00") if raw is not None else ""


class _Checker:
    """Collects the problems of the rows of one chunk."""

    def __init__(self, rows: npt.NDArray[np.int64], raw: Mapping[str, list[Any]]) -> None:
        self.rows = rows
        self.raw = raw
        self.ok = np.ones(len(rows), dtype=bool)
        self.problems: list[Problem] = []

    def bad(self, i: int, order: int, name: str, value: object, reason: str,
            message: str) -> None:
        self.ok[i] = False
        self.problems.append((int(self.rows[i]), order, name, _shown(value), reason, message))

    def cells(self, order: int, name: str, cells: list[tuple[int, str, str]]) -> None:
        for i, reason, message in cells:
            self.bad(i, order, name, self.raw[name][i], reason, message)

    def where(self, mask: npt.NDArray[np.bool_], order: int, name: str, reason: str,
              message: Callable[[int], str]) -> None:
        for i in np.flatnonzero(mask).tolist():
            self.bad(i, order, name, self.raw[name][i], reason, message(i))


def _encoding_problems(
    chunk: Chunk, ctx: RowContext
) -> tuple[npt.NDArray[np.bool_], list[Problem]]:
    keep = np.ones(len(chunk.rows), dtype=bool)
    problems: list[Problem] = []
    if not chunk.suspect:
        return keep, problems
    for order, (name, i) in enumerate(ctx.index.items()):
        column = chunk.columns[i]
        for j in bad_bytes(column):
            value = column[j]
            message = (
                "a NUL character (\\x00); the file may be UTF-16 encoded (pass --encoding "
                "utf-16) or damaged" if "\x00" in value else
                f"bytes that are not valid {ctx.encoding}; the file may be Windows-1252/"
                "Latin-1 encoded (pass --encoding cp1252)"
            )
            keep[j] = False
            problems.append((int(chunk.rows[j]), 10 + order, name, _shown(value),
                             REASONS.ENCODING_ERROR, message))
    return keep, problems


def _before(a: Stamps, b: Stamps) -> npt.NDArray[np.bool_]:
    """``a`` strictly before ``b`` (both present); by local date when either is a date only."""
    both = (a.ns != NAT) & (b.ns != NAT)
    by_day = a.dated | b.dated
    return both & np.where(by_day, a.day < b.day, a.ns < b.ns)


def parse_chunk(chunk: Chunk, ctx: RowContext) -> ChunkRows:
    """Parse and check the rows of ``chunk`` (see the module docstring)."""
    keep, problems = _encoding_problems(chunk, ctx)
    rows = chunk.rows
    raw = {name: chunk.columns[i] for name, i in ctx.index.items()}
    if not keep.all():
        selected = np.flatnonzero(keep).tolist()
        raw = {name: [column[j] for j in selected] for name, column in raw.items()}
        rows = rows[keep]
    n = len(rows)
    check = _Checker(rows, raw)
    check.problems = problems

    text_only = chunk.text_only
    ids = parse_text(raw["lead_id"], text_only=text_only)
    for i, value in enumerate(ids):
        if value is None:
            check.bad(i, 100, "lead_id", "", REASONS.MISSING_VALUE, "expected the lead's id")

    stamps: dict[str, Stamps] = {}
    date_counts: dict[str, list[int]] = {}
    placeholders: dict[str, list[Any]] = {}
    created_bad = np.zeros(n, dtype=bool)
    empty = Stamps(np.full(n, NAT, dtype=np.int64), np.full(n, NAT, dtype=np.int64),
                   np.zeros(n, dtype=bool), [])
    for k, name in enumerate(TIMESTAMP_COLUMNS):
        if name not in raw:
            stamps[name] = empty
            continue
        parsed = parse_stamps(raw[name], ctx.tz, ctx.date_format, text_only)
        stamps[name] = parsed
        for i, reason, message in parsed.bad:
            if reason == REASONS.DATE_OUT_OF_RANGE and name != "created_at":
                # A "no date" placeholder (9999-12-31) in an optional column: read as blank.
                seen = placeholders.setdefault(name, [0, str(raw[name][i]).strip()])
                seen[0] += 1
                continue
            check.bad(i, 200 + k, name, raw[name][i], reason, message)
            if name == "created_at":
                created_bad[i] = True
        date_counts[name] = [int(parsed.dated.sum()), int((parsed.ns != NAT).sum())]
    missing_created = (stamps["created_at"].ns == NAT) & ~created_bad
    for i in np.flatnonzero(missing_created).tolist():
        check.bad(i, 300, "created_at", "", REASONS.MISSING_VALUE,
                  "expected when the lead was created")

    text: dict[str, list[str | None]] = {
        name: parse_text(raw[name], ctx.shared.setdefault(name, Interned()), text_only)
        if name in raw else [None] * n
        for name in TEXT_COLUMNS
    }
    resolver = ctx.resolve_tier
    resolved = [resolver[pair] for pair in zip(text["tier"], text["source"], strict=True)]
    text["tier"] = [tier for tier, _ in resolved]
    for i, (_, problem) in enumerate(resolved):
        if problem is not None:
            check.bad(i, 400, *problem)

    attempts = np.full(n, np.nan)
    if "attempts" in raw:
        attempts, cells = parse_numbers(raw["attempts"], integer=True, text_only=text_only)
        check.cells(500, "attempts", cells)
        check.where(attempts < 0, 500, "attempts", REASONS.NEGATIVE_ATTEMPTS,
                    lambda i: "expected >= 0")
    numbers: dict[str, npt.NDArray[np.float64]] = {}
    for k, name in enumerate(NUMBER_COLUMNS):
        if name not in raw:
            numbers[name] = np.full(n, np.nan)
            continue
        numbers[name], cells = parse_numbers(raw[name], ctx.decimal_comma, text_only=text_only)
        check.cells(600 + k, name, cells)
        check.where(numbers[name] < 0, 600 + k, name, REASONS.NEGATIVE_VALUE,
                    lambda i: "expected a value >= 0")
    flags: dict[str, npt.NDArray[np.int8]] = {}
    for k, name in enumerate(("qualified", "opportunity")):
        flag = np.full(n, -1, dtype=np.int8)
        if name in raw:
            flag, cells = parse_bools(raw[name], text_only)
            check.cells(700 + k, name, cells)
        # A time in *_at means yes; a blank checkbox means no when either column exists.
        flag[(flag < 0) & (stamps[f"{name}_at"].ns != NAT)] = 1
        if name in raw or f"{name}_at" in raw:
            flag[flag < 0] = 0
        flags[name] = flag

    _check_order(check, stamps)
    return ChunkRows(
        rows=rows,
        ok=check.ok,
        lead_id=np.array(ids, dtype=object),
        text={name: np.array(values, dtype=object) for name, values in text.items()},
        stamps={name: s.ns for name, s in stamps.items()},
        dated={name: s.dated for name, s in stamps.items()},
        attempts=attempts,
        numbers=numbers,
        flags=flags,
        problems=check.problems,
        date_counts=date_counts,
        placeholders=placeholders,
    )


def _check_order(check: _Checker, stamps: Mapping[str, Stamps]) -> None:
    created, first = stamps["created_at"], stamps["first_attempt_at"]
    contacted = stamps["contacted_at"]
    raw = check.raw

    def after(name: str) -> Callable[[int], str]:
        return lambda i: f"expected a time at or after {name} ({raw[name][i]})"

    check.where(_before(first, created), 800, "first_attempt_at",
                REASONS.FIRST_ATTEMPT_BEFORE_CREATION, after("created_at"))
    check.where(_before(contacted, first), 801, "contacted_at",
                REASONS.CONTACTED_BEFORE_FIRST_ATTEMPT, after("first_attempt_at"))
    check.where((first.ns == NAT) & _before(contacted, created), 801, "contacted_at",
                REASONS.CONTACTED_BEFORE_CREATION, after("created_at"))
    for k, name in enumerate(("won_at", "lost_at")):
        check.where(_before(stamps[name], created), 802 + k, name,
                    REASONS.CLOSED_BEFORE_CREATION, after("created_at"))
    won, lost = stamps["won_at"], stamps["lost_at"]
    check.where((won.ns != NAT) & (lost.ns != NAT), 804, "lost_at", REASONS.WON_AND_LOST,
                lambda i: f"the lead is also won ({raw['won_at'][i]}); expected won_at or "
                          "lost_at, not both")
