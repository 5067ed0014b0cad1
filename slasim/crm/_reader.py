"""Reading a CSV file line by line into chunks of rows, accounting for every physical line.

The file is decoded incrementally and split into physical lines (``\\n``, ``\\r\\n`` or a lone
``\\r`` ends a line, as in Python's universal newlines and in Excel). The first line is the
header; every later line is then exactly one of: a blank line (only spaces and delimiters), the
first line of a data row, or a continuation line of a data row whose quoted value spans lines,
so that ``lines = header lines + rows + blank lines + continuation lines`` always holds.

**Continuation rule.** A line is parsed on its own with :mod:`csv`. When a quote it opens is
not closed by the end of the line, the value may continue onto the next lines (a note with
line breaks is legitimate CSV) -- but only while the row closes its quotes within
:data:`MAX_CONTINUATION_LINES` further lines and then has the header's number of fields.
Otherwise the row is rejected at its first line (reason ``unclosed quote``) and reading resumes
at the very next line, so one stray quote costs one row, never the rest of the file.

A value longer than the csv module's field size limit (``csv.field_size_limit()``, 131,072
characters by default) rejects its row (``value too long``) instead of the file.

Rows keep their spreadsheet row number: the header is row 1 and a row spanning lines is still
one row (as Excel shows it), so every report can point at the row a user sees.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from slasim.crm.schema import REASONS
from slasim.errors import InputError

__all__ = [
    "CHUNK_ROWS",
    "MAX_CONTINUATION_LINES",
    "SPACES",
    "Chunk",
    "LineCount",
    "ReaderProblem",
    "Table",
    "delimiter_name",
    "frame_table",
    "has_undecodable",
    "open_table",
    "show_value",
]

#: Rows parsed together; a chunk's Python strings are freed before the next is read.
CHUNK_ROWS = 50_000
#: Further lines a quoted value may run onto before its row counts as an unclosed quote.
MAX_CONTINUATION_LINES = 10
_READ_BYTES = 1 << 22
_DELIMITERS = (",", ";", "\t", "|")
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


def _shown(line: str) -> str:
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


@dataclass(eq=False)
class Table:
    """A CSV file (or DataFrame) opened for reading: header, how it is read, its rows.

    :meth:`chunks` yields the data rows; rows rejected while reading (wrong number of fields,
    unclosed quote, value too long) go to ``problems`` and the line totals to ``count`` as
    reading proceeds.
    """

    header: tuple[str, ...]
    delimiter: str
    encoding: str
    notes: tuple[str, ...]
    from_file: bool
    count: LineCount = field(default_factory=LineCount)
    problems: list[ReaderProblem] = field(default_factory=list)
    _chunks: Iterator[Chunk] | None = None
    _stream: IO[bytes] | None = None

    def chunks(self) -> Iterator[Chunk]:
        """The data rows in chunks of at most :data:`CHUNK_ROWS` (once)."""
        if self._chunks is None:
            raise ValueError("the rows of this table were read already")
        chunks, self._chunks = self._chunks, None
        return chunks

    def close(self) -> None:
        """Close the file (also done when the rows have been read)."""
        if self._stream is not None:
            self._stream.close()


# -- opening a file ------------------------------------------------------------------------


def _encoding_error(source: str, encoding: str, why: str) -> InputError:
    return InputError.single(
        source, "--encoding",
        f"got {encoding!r}: {why}; expected the file's text encoding, e.g. utf-8, cp1252 or "
        "utf-16",
    )


def _check_encoding(source: str, encoding: str) -> None:
    try:
        info = codecs.lookup(encoding)
    except (LookupError, ValueError):  # ValueError: an encoding name with a NUL
        raise InputError.single(
            source, "--encoding", f"got {encoding!r}; expected a codec such as utf-8 or cp1252"
        ) from None
    if not getattr(info, "_is_text_encoding", True):
        raise _encoding_error(source, encoding, "not a text encoding")


def _sniff_bom(head: bytes, encoding: str) -> tuple[str, int, list[str]]:
    """Encoding to decode with, bytes to skip, notes (a byte-order mark wins over --encoding)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", len(codecs.BOM_UTF8), ["UTF-8 byte-order mark (BOM) found and removed"]
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32", 0, ["UTF-32 byte-order mark found: read as UTF-32"]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a BOM (and usually tabs).
        return "utf-16", 0, ["UTF-16 byte-order mark found: read as UTF-16"]
    return encoding, 0, []


def _physical_lines(stream: IO[bytes], encoding: str, skip: int, source: str) -> Iterator[str]:
    """Decoded lines without their line ends; a last line without one is a line too.

    Bytes that do not decode are kept as surrogate escapes (reported per value); a codec
    that refuses the bytes outright (UTF-16 without a byte-order mark, UTF-32 on UTF-8 text)
    is an :class:`InputError` naming ``--encoding``.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
    stream.read(skip)
    pieces: list[str] = []  # a line longer than a read: joined once its end is found
    hold = ""
    done = 0
    while True:
        block = stream.read(_READ_BYTES)
        try:
            decoded = decoder.decode(block, final=not block)
        except UnicodeError as exc:
            where = (f" near byte {done + exc.start:,}" if isinstance(exc, UnicodeDecodeError)
                     else "")
            raise _encoding_error(
                source, encoding, f"the file does not decode{where} ({exc})"
            ) from None
        done += len(block)
        text = hold + decoded
        hold = ""
        if block and text.endswith("\r"):
            hold, text = "\r", text[:-1]  # may be the first half of "\r\n"
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not block:
            pieces.append(text)
            tail = "".join(pieces)
            if tail:
                lines = tail.split("\n")
                if lines[-1] == "":
                    lines.pop()  # the file ends with a line break
                yield from lines
            return
        cut = text.rfind("\n")
        if cut < 0:
            pieces.append(text)
            continue
        pieces.append(text[:cut])
        yield from "".join(pieces).split("\n")
        pieces = [text[cut + 1 :]]


def _csv_row(text: str, sep: str) -> tuple[list[str] | None, bool]:
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


def _first_line(line: str) -> str:
    # Quoted text is dropped before counting delimiters.
    return re.sub(r'"[^"]*"', "", line)


def _choose_delimiter(line: str, source: str, wanted: str | None) -> tuple[str, list[str]]:
    line = _first_line(line)
    counts = {d: line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    if wanted is not None:
        if counts[wanted] == 0 and counts[best] > 0:
            raise InputError.single(
                source,
                "",
                f"the header {line.strip()[:80]!r} has no {delimiter_name(wanted)}s but "
                f"{counts[best]} {delimiter_name(best)}s: the file looks "
                f"{delimiter_name(best)}-separated; expected {delimiter_name(wanted)}-separated "
                f"values (pass --delimiter {best!r} or re-export as CSV)",
            )
        return wanted, []
    if counts[best] == 0:
        return ",", []
    notes = []
    if best != ",":
        notes.append(
            f"the file is {delimiter_name(best)}-separated, not comma-separated: "
            f"read with delimiter {best!r}"
        )
    return best, notes


def _check_header_text(line: str, source: str, encoding: str) -> None:
    """Refuse an encoding that turns the header into noise (e.g. utf-32 on a UTF-8 file)."""
    if "\x00" in line:
        raise _encoding_error(
            source, encoding, f"the header reads as {_shown(line)!r}, with NUL characters: the "
            "file looks UTF-16 or UTF-32 encoded (pass --encoding utf-16)",
        )
    bad = len(_SURROGATE.findall(line))
    readable = any(d in line for d in _DELIMITERS) or any(c.isascii() and c.isalnum()
                                                         for c in line)
    if bad * 2 > len(line.strip()) or not readable:
        raise _encoding_error(
            source, encoding, f"the header does not read as text in this encoding (got "
            f"{_shown(line)!r})",
        )


def _check_header(header: tuple[str, ...], source: str) -> None:
    if any(not n for n in header):
        raise InputError.single(
            source, "header", f"has a blank column name: {list(header)}; expected a name per column"
        )
    for name in header:
        if header.count(name) > 1:
            raise InputError.single(
                source, "header", f"column {name!r} appears {header.count(name)} times; "
                "expected unique column names"
            )


def open_table(path: str | Path, encoding: str = "utf-8", delimiter: str | None = None) -> Table:
    """Open ``path`` and read its header; the rows are read by :meth:`Table.chunks`.

    Raises
    ------
    InputError
        File not found or unreadable, unknown or non-text encoding (or one that turns the
        header into noise), empty file, blank or repeated column name, a delimiter that is
        clearly wrong, a header with an unclosed quote; after reading, a header without data
        rows.
    """
    source = str(path)
    _check_encoding(source, encoding)
    try:
        stream = Path(path).open("rb")
    except FileNotFoundError:
        raise InputError.single(source, "", "file not found") from None
    except OSError as exc:
        reason = exc.strerror or exc  # an OSError raised with one argument has no strerror
        raise InputError.single(source, "", f"cannot read the file ({reason})") from None
    try:
        table = _open_stream(stream, source, encoding, delimiter)
    except BaseException:
        stream.close()
        raise
    table._stream = stream
    return table


def _open_stream(
    stream: IO[bytes], source: str, encoding: str, delimiter: str | None
) -> Table:
    try:
        head = stream.read(4)
        stream.seek(0)
    except OSError as exc:
        raise InputError.single(
            source, "", f"cannot read the file ({exc.strerror or exc})"
        ) from None
    used, skip, notes = _sniff_bom(head, encoding)
    lines = _physical_lines(stream, used, skip, source)
    first = next(lines, None)
    count = LineCount()
    while first is not None and not first.strip():
        count.blank += 1  # blank lines before the header
        first = next(lines, None)
    count.header_row = count.blank + 1
    if first is None:
        raise InputError.single(
            source, "", "the file is empty; expected a header row (lead_id,created_at,tier,...) "
            "and one row per lead"
        )
    _check_header_text(first, source, used)
    sep, sep_notes = _choose_delimiter(first, source, delimiter)
    count.header += 1
    fields, open_quote = _csv_row(first, sep)
    while open_quote:
        more = next(lines, None)
        if more is None or count.header > MAX_CONTINUATION_LINES:
            raise InputError.single(
                source, "header", f"a quote opened in {_shown(first)!r} is not closed; "
                "expected a header row with one name per column"
            )
        count.header += 1
        first = first + "\n" + more
        fields, open_quote = _csv_row(first, sep)
    header = tuple(name.strip() for name in fields or ())
    _check_header(header, source)
    table = Table(header, sep, used, tuple(notes + sep_notes), True, count)
    table._chunks = _file_chunks(table, lines, stream, source)
    return table


# -- data rows -----------------------------------------------------------------------------


def _file_chunks(
    table: Table, lines: Iterator[str], stream: IO[bytes], source: str
) -> Iterator[Chunk]:
    try:
        yield from _RowReader(table, lines).chunks()
    except OSError as exc:
        raise InputError.single(
            source, "", f"cannot read the file ({exc.strerror or exc})"
        ) from None
    finally:
        stream.close()
    if not table.problems and table.count.lines == table.count.header + table.count.blank:
        raise InputError.single(
            source, "", f"the file has a header ({', '.join(table.header)}) but no data rows; "
            "expected one row per lead"
        )


class _RowReader:
    """Splits physical lines into rows; see the module docstring for the rules."""

    def __init__(self, table: Table, lines: Iterator[str]) -> None:
        self.table = table
        self.lines = lines
        self.sep = table.delimiter
        self.width = len(table.header)
        self.limit = csv.field_size_limit()
        # Longer than this, some field must be over the limit (quoted: twice, plus quotes).
        self.max_line = self.width * (2 * self.limit + 3)
        self.pending: list[str] = []  # lines read ahead for a continuation, last first
        self.row = table.count.header_row
        # The chunk being built: unquoted lines not yet split, then all fields flat.
        self.simple: list[str] = []
        self.flat: list[str] = []
        self.rows: list[int] = []
        self.suspect = False

    @property
    def line(self) -> int:
        """Physical line number of the current row's first line."""
        count = self.table.count
        return count.header + self.row - 1 + count.continuation

    def _reject(self, reason: str, value: str, message: str) -> None:
        self.table.problems.append((self.row, "", value, reason, message))

    def _wrong_count(self, n: int) -> None:
        self._reject(
            REASONS.WRONG_FIELD_COUNT, str(n),
            f"expected {self.width} fields like the header, got {n} (a "
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
        count = self.table.count
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
            self.table.count.blank += 1
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
            fields, open_quote = _csv_row(line, sep)
        except csv.Error as exc:
            self._unreadable(line, exc)
            return
        extra = 0
        if open_quote:
            fields, extra = self._continue(line)
            if fields is None:
                self._reject(
                    REASONS.UNCLOSED_QUOTE, _shown(line),
                    f"a quote opened on line {self.line} is not closed on that line, nor "
                    f"within the next {MAX_CONTINUATION_LINES} lines with {width} fields in "
                    "the row; expected a closing quote (the row is skipped, reading resumes at "
                    "the next line)",
                )
                return
        self.table.count.continuation += extra
        if not any(f.strip() for f in fields or ()):
            self.table.count.blank += 1
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
            self._reject(REASONS.WRONG_FIELD_COUNT, _shown(line), f"not a CSV row ({exc})")

    def _too_long(self, line: str) -> None:
        self._reject(
            REASONS.VALUE_TOO_LONG, _shown(line),
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
                fields, open_quote = _csv_row(text, self.sep)
            except csv.Error:
                break
            if not open_quote:
                if fields is not None and len(fields) == self.width:
                    return fields, len(taken)
                break
        self.pending.extend(reversed(taken))
        return None, 0


# -- a DataFrame ---------------------------------------------------------------------------


def frame_table(frame: pd.DataFrame, source: str) -> Table:
    """A DataFrame as a :class:`Table` (values kept as they are; no line totals)."""
    header = tuple(str(c).strip() for c in frame.columns)
    for name in header:
        if header.count(name) > 1:
            raise InputError.single(
                source, "header", f"column {name!r} appears {header.count(name)} times; "
                "expected unique column names"
            )
    table = Table(header, ",", "n/a", (), False)
    table._chunks = _frame_chunks(frame)
    return table


def _frame_chunks(frame: pd.DataFrame) -> Iterator[Chunk]:
    n = len(frame)
    for start in range(0, n, CHUNK_ROWS):
        part = frame.iloc[start : start + CHUNK_ROWS]
        columns: list[list[Any]] = [part.iloc[:, i].tolist() for i in range(part.shape[1])]
        rows = np.arange(start + 2, start + 2 + len(part), dtype=np.int64)
        yield Chunk(rows, columns, True, text_only=False)
