"""Physical lines into rows: the continuation rule, blank lines, rows rejected while reading.

Every physical line after the header is exactly one of: a blank line (only spaces and
delimiters), the first line of a data row, or a continuation line of a data row whose quoted
value spans lines, so that ``lines = header lines + rows + blank lines + continuation lines``
always holds.

**Continuation rule.** A line is parsed on its own with :mod:`csv`. When a quote it opens is
not closed by the end of the line, the value may continue onto the next lines (a note with
line breaks is legitimate CSV) -- but only while the row closes its quotes within
:data:`MAX_CONTINUATION_LINES` further lines and then has the header's number of fields, and no
line before the closing one reads as a whole row of its own (no quote, the header's number of
fields): that is a quote never closed, which a later row's quote would otherwise close.
Otherwise the row is rejected at its first line (reason ``unclosed quote``) and reading resumes
at the very next line, so one stray quote costs one row, never the rest of the file.

A value longer than the csv module's field size limit (``csv.field_size_limit()``, 131,072
characters by default) rejects its row (``value too long``) instead of the file; so does a row
with more or fewer fields than the header (``wrong number of fields``).

Rows keep their spreadsheet row number: the header is row 1 (after any blank lines before it)
and a row spanning lines is still one row (as Excel shows it).

Unquoted lines, the usual case, are not split one by one: a chunk's lines are joined and split
once, and the fields sliced into columns (:class:`Chunk`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from slasim.crm.io.schema import REASONS

__all__ = [
    "CHUNK_ROWS",
    "MAX_CONTINUATION_LINES",
    "SPACES",
    "Chunk",
    "LineCount",
    "ReaderProblem",
    "RowReader",
    "csv_row",
    "delimiter_name",
    "has_undecodable",
    "show_value",
    "shown_line",
]

#: Rows parsed together; a chunk's Python strings are freed before the next is read.
CHUNK_ROWS = 50_000
#: Further lines a quoted value may run onto before its row counts as an unclosed quote.
MAX_CONTINUATION_LINES = 10
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SURROGATE = re.compile("[\udc80-\udcff]")
_SHOWN = 60  # characters of a rejected line shown as its value
#: Every character ``str.isspace`` accepts (a row of only these and delimiters is blank).
SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

#: ``(row, column, value, reason, message)`` of a row rejected while reading.
ReaderProblem = tuple[int, str, str, str, str]


def delimiter_name(delimiter: str) -> str:
    return _NAMES.get(delimiter, repr(delimiter))


def has_undecodable(text: str) -> bool:
    """Whether ``text`` holds bytes that did not decode (kept as surrogate escapes)."""
    return _SURROGATE.search(text) is not None


def show_value(text: str) -> str:
    """The value as a user should see it: undecodable bytes as ``\\xe9``."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def shown_line(line: str) -> str:
    """A line shown as a rejected value: its first characters, undecodable bytes escaped."""
    return show_value(line if len(line) <= _SHOWN else line[:_SHOWN] + "...")


@dataclass(frozen=True, eq=False)
class Chunk:
    """Consecutive data rows, column by column.

    Attributes
    ----------
    rows
        Spreadsheet row number of each row (the header is row 1).
    columns
        One list per header column, aligned with ``rows``: text when read from a file, any
        Python value when taken from a DataFrame.
    suspect
        Whether a value may hold undecodable bytes or NUL characters (checked per value only
        then).
    text_only
        Every value is a ``str`` (read from a file).
    """

    rows: npt.NDArray[np.int64]
    columns: list[list[Any]]
    suspect: bool
    text_only: bool = True


@dataclass
class LineCount:
    """Where each physical line of the file went.

    ``lines == header + rows + blank + continuation`` once the rows are read, where ``rows``
    counts data rows (used or rejected); ``header_row`` is the header's spreadsheet row (blank
    lines before it are blank lines).
    """

    lines: int = 0
    header: int = 0
    blank: int = 0
    continuation: int = 0
    header_row: int = 1


def csv_row(text: str, sep: str) -> tuple[list[str] | None, bool]:
    """Fields of ``text`` as one CSV record, and whether a quote is left open at its end.

    Raises ``csv.Error`` (e.g. a field over the size limit).
    """
    wanted_more = False

    def source() -> Iterator[str]:
        nonlocal wanted_more
        yield text
        wanted_more = True

    fields = next(csv.reader(source(), delimiter=sep), None)
    return fields, wanted_more


class RowReader:
    """Splits physical lines into rows; see the module docstring for the rules.

    Rows rejected while reading go to ``problems``, line totals to ``count``.
    """

    def __init__(self, lines: Iterator[str], delimiter: str, width: int, count: LineCount,
                 problems: list[ReaderProblem]) -> None:
        self.lines = lines
        self.sep = delimiter
        self.width = width
        self.count = count
        self.problems = problems
        self.limit = csv.field_size_limit()
        # Longer than this, some field must be over the limit (quoted: twice, plus quotes).
        self.max_line = self.width * (2 * self.limit + 3)
        self.pending: list[str] = []  # lines read ahead for a continuation, last first
        self.row = count.header_row
        # The chunk being built: unquoted lines not yet split, then all fields flat.
        self.simple: list[str] = []
        self.flat: list[str] = []
        self.rows: list[int] = []
        self.suspect = False

    @property
    def line(self) -> int:
        """Physical line number of the current row's first line."""
        count = self.count
        return count.header + self.row - 1 + count.continuation

    def _reject(self, reason: str, value: str, message: str) -> None:
        self.problems.append((self.row, "", value, reason, message))

    def _wrong_count(self, n: int) -> None:
        self._reject(
            REASONS.WRONG_FIELD_COUNT, str(n),
            f"expected {self.width} fields like the header (a "
            f"{delimiter_name(self.sep)} inside an unquoted value?)",
        )

    def _flush_simple(self) -> None:
        if self.simple:
            text = self.sep.join(self.simple)
            # isascii() is O(1) on CPython's compact strings: the regex runs only when needed.
            self.suspect = self.suspect or "\x00" in text or (
                not text.isascii() and has_undecodable(text)
            )
            self.flat += text.split(self.sep)
            self.simple.clear()

    def _chunk(self) -> Chunk:
        self._flush_simple()
        width, flat = self.width, self.flat
        columns = [flat[i::width] for i in range(width)]
        chunk = Chunk(np.array(self.rows, dtype=np.int64), columns, self.suspect)
        self.flat, self.rows, self.suspect = [], [], False
        return chunk

    def chunks(self) -> Iterator[Chunk]:
        """The rows in chunks; the loop is written out for speed (it runs once per line)."""
        sep, limit, fields = self.sep, self.limit, self.width - 1
        blank_chars = sep + SPACES
        count = self.count
        simple, rows = self.simple, self.rows
        for line in self.lines:
            self.row += 1
            if '"' in line or len(line) > limit:
                self._careful(line)
                while self.pending:  # lines a failed continuation read ahead
                    self.row += 1
                    self._one(self.pending.pop())
                simple, rows = self.simple, self.rows
            elif not line.strip(blank_chars):
                count.blank += 1
            elif line.count(sep) != fields:
                self._wrong_count(line.count(sep) + 1)
            else:
                simple.append(line)
                rows.append(self.row)
            if len(rows) >= CHUNK_ROWS:
                yield self._chunk()
                simple, rows = self.simple, self.rows
        count.lines = self.line
        if self.rows:
            yield self._chunk()

    def _one(self, line: str) -> None:
        """One line, as :meth:`chunks` handles it."""
        sep = self.sep
        if '"' in line or len(line) > self.limit:
            self._careful(line)
        elif not line.strip(sep + SPACES):
            self.count.blank += 1
        elif line.count(sep) != self.width - 1:
            self._wrong_count(line.count(sep) + 1)
        else:
            self.simple.append(line)
            self.rows.append(self.row)

    def _careful(self, line: str) -> None:
        """A line with quotes or an overlong one: parse it with csv, continuing if allowed."""
        sep, width = self.sep, self.width
        if len(line) > self.max_line:
            self._too_long(line)
            return
        try:
            fields, open_quote = csv_row(line, sep)
        except csv.Error as exc:
            self._unreadable(line, exc)
            return
        extra = 0
        if open_quote:
            fields, extra = self._continue(line)
            if fields is None:
                self._reject(
                    REASONS.UNCLOSED_QUOTE, shown_line(line),
                    f"a quote opened on line {self.line} is not closed on that line, nor "
                    f"within the next {MAX_CONTINUATION_LINES} lines with {width} fields in "
                    "the row and no whole row inside it; expected a closing quote (the row is "
                    "skipped, reading resumes at the next line)",
                )
                return
        self.count.continuation += extra
        if not any(f.strip() for f in fields or ()):
            self.count.blank += 1
            return
        assert fields is not None
        if len(fields) != width:
            self._wrong_count(len(fields))
            return
        self._flush_simple()
        text = "".join(fields)
        self.suspect = self.suspect or "\x00" in text or (
            not text.isascii() and has_undecodable(text)
        )
        self.flat += fields
        self.rows.append(self.row)

    def _unreadable(self, line: str, exc: csv.Error) -> None:
        if "field limit" in str(exc):
            self._too_long(line)
        else:  # not seen with the default dialect; reported rather than fatal all the same
            self._reject(REASONS.WRONG_FIELD_COUNT, shown_line(line), f"not a CSV row ({exc})")

    def _too_long(self, line: str) -> None:
        self._reject(
            REASONS.VALUE_TOO_LONG, shown_line(line),
            f"a value in the row is longer than {self.limit:,} characters (the csv field size "
            "limit); expected a shorter value",
        )

    def _continue(self, first: str) -> tuple[list[str] | None, int]:
        """The row starting with ``first`` if it closes within the bound with the header's
        number of fields, and the lines it took; else ``(None, 0)`` with the lines put back."""
        taken: list[str] = []
        text = first
        while len(taken) < MAX_CONTINUATION_LINES:
            line = self.pending.pop() if self.pending else next(self.lines, None)
            if line is None:
                break
            taken.append(line)
            text = text + "\n" + line
            if len(text) > self.max_line:
                break
            try:
                fields, open_quote = csv_row(text, self.sep)
            except csv.Error:
                break
            if not open_quote:
                if fields is not None and len(fields) == self.width:
                    return fields, len(taken)
                break
            if '"' not in line and line.count(self.sep) == self.width - 1:
                # A whole row of its own inside the "value": more likely a quote never closed
                # than a note line with the header's number of fields. A later quote would
                # close it and swallow the rows between without a word (--strict passed).
                break
        self.pending.extend(reversed(taken))
        return None, 0
