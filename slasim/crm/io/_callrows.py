"""The rows of a call-level export: parse and check one chunk, then the checks across chunks
(repeated call ids, each lead's first attempt, conversation numbers and outcomes).

Used by :func:`slasim.crm.io.calls.read_calls`; problems are ``(row, order, column, value,
reason, message)``, sorted by row, then ``order`` (the column's place in the checks).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from slasim.crm.io._lines import Chunk, show_value
from slasim.crm.io._parse import NAT, Interned, Stamps, parse_bools, parse_stamps, parse_text
from slasim.crm.io._rows import RowContext, _encoding_problems
from slasim.crm.io.calls_format import ALL_TIERS, CALL_OUTCOMES, CALL_REASONS
from slasim.errors import InputError, Problem
from slasim.outputs import FORMULA_START

__all__ = [
    "STAMPS",
    "TEXT",
    "ChunkParser",
    "Part",
    "RowProblem",
    "conversations",
    "duplicates",
    "first_attempts",
]

STAMPS = ("created", "answered", "ended", "wrapup_ended")
TEXT = ("call_id", "lead_id", "tier", "agent", "conversation", "outcome")
_MAX_CONVERSATION = 1000
#: ``(row, order, column, value, reason, message)``.
RowProblem = tuple[int, int, str, str, str, str]


@dataclass(eq=False)
class Part:
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


class ChunkParser:
    """Parses and checks the rows of one chunk; problems carry an order per column."""

    def __init__(self, ctx: RowContext, placeholders: dict[str, list[Any]]) -> None:
        self.ctx = ctx
        self.placeholders = placeholders
        self.problems: list[RowProblem] = []

    def parse(self, chunk: Chunk) -> Part:
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
        for k, name in enumerate(STAMPS):
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
        for k, name in enumerate(TEXT):
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
        return Part(rows, ok, text, {k: s.ns for k, s in stamps.items()}, abandoned)

    @staticmethod
    def _order(stamps: Mapping[str, Stamps], abandoned: npt.NDArray[np.int8],
               bad: Any) -> None:
        c, a, e, w = (stamps[k].ns for k in STAMPS)

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


def duplicates(ids: npt.NDArray[np.object_], rows: npt.NDArray[np.int64],
                ok: npt.NDArray[np.bool_]) -> list[RowProblem]:
    """Rows whose call id an earlier row has (even a rejected one); marks them not ``ok``."""
    present = np.flatnonzero(pd.notna(ids))
    repeat = pd.Series(ids[present]).duplicated(keep="first").to_numpy()
    first = pd.Series(np.arange(len(present)), index=ids[present]).groupby(level=0).min()
    out: list[RowProblem] = []
    for position in present[repeat].tolist():
        ok[position] = False
        original = rows[present[int(first[ids[position]])]]
        out.append((int(rows[position]), 900, "call_id", show_value(str(ids[position])),
                    CALL_REASONS.DUPLICATE_ID, f"the same id as row {original} (the first row "
                    "is kept)"))
    return out


def first_attempts(lead: npt.NDArray[np.object_], created: npt.NDArray[np.int64],
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


def conversations(source: str, rows: npt.NDArray[np.int64], number: npt.NDArray[np.object_],
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
