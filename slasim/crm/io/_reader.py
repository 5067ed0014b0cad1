"""Opening a CSV file: encodings, BOMs, delimiters, the header, whole-file errors.

:func:`open_table` decodes the file incrementally and splits it into physical lines
(``\n``, ``\r\n`` or a lone ``\r`` ends a line, as in Python's universal newlines and in
Excel); the first non-blank line is the header, and :mod:`slasim.crm.io._lines` turns the other
lines into rows, accounting for each (the continuation rule for quoted values spanning lines
is stated there). :func:`frame_table` gives a DataFrame the same interface.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from slasim.crm.io._lines import (
    CHUNK_ROWS,
    MAX_CONTINUATION_LINES,
    SPACES,
    Chunk,
    LineCount,
    ReaderProblem,
    RowReader,
    csv_row,
    delimiter_name,
    has_undecodable,
    show_value,
    shown_line,
)
from slasim.errors import InputError
from slasim.limits import MAX_LINE_CHARS

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

_READ_BYTES = 1 << 22
_DELIMITERS = (",", ";", "\t", "|")


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
    yielded = pending = 0  # lines yielded; characters of the line not yet ended
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
            pending += len(text)
            if pending > MAX_LINE_CHARS:
                raise InputError.single(
                    source, f"line {yielded + 1}",
                    f"is longer than {MAX_LINE_CHARS:,} characters; expected a CSV export with "
                    "one row per line (is it a binary file or a device?)",
                )
            continue
        pieces.append(text[:cut])
        block_lines = "".join(pieces).split("\n")
        yielded += len(block_lines)
        yield from block_lines
        pieces = [text[cut + 1 :]]
        pending = len(pieces[0])


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
            source, encoding, f"the header reads as {shown_line(line)!r}, with NUL characters: the "
            "file looks UTF-16 or UTF-32 encoded (pass --encoding utf-16)",
        )
    bad = sum(1 for c in line if "\udc80" <= c <= "\udcff")
    readable = any(d in line for d in _DELIMITERS) or any(c.isascii() and c.isalnum()
                                                         for c in line)
    if bad * 2 > len(line.strip()) or not readable:
        raise _encoding_error(
            source, encoding, f"the header does not read as text in this encoding (got "
            f"{shown_line(line)!r})",
        )


def _check_header(header: tuple[str, ...], source: str) -> None:
    if any(not n for n in header):
        raise InputError.single(
            source, "header", f"has a blank column name: {list(header)}; expected a name per column"
        )
    _check_unique(header, source)


def _check_unique(header: tuple[str, ...], source: str) -> None:
    # Counted once (header.count per name took 25 s for 32,000 columns, minutes for more).
    repeated = [(name, n) for name, n in Counter(header).items() if n > 1]
    if repeated:
        name, n = repeated[0]
        raise InputError.single(source, "header", f"column {shown_line(name)!r} appears {n} "
                                "times; expected unique column names")


def _header_row(line: str, sep: str, source: str) -> tuple[list[str] | None, bool]:
    """:func:`csv_row` of a header line; a name over the csv field limit is an InputError."""
    try:
        return csv_row(line, sep)
    except csv.Error:
        raise InputError.single(
            source, "header", f"a column name is longer than {csv.field_size_limit():,} "
            f"characters (the header starts {shown_line(line)!r}); expected a header row of "
            "column names") from None


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
    fields, open_quote = _header_row(first, sep, source)
    while open_quote:
        more = next(lines, None)
        if more is None or count.header > MAX_CONTINUATION_LINES:
            raise InputError.single(
                source, "header", f"a quote opened in {shown_line(first)!r} is not closed; "
                "expected a header row with one name per column"
            )
        count.header += 1
        first = first + "\n" + more
        fields, open_quote = _header_row(first, sep, source)
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
        yield from RowReader(
            lines, table.delimiter, len(table.header), table.count, table.problems
        ).chunks()
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


# -- a DataFrame ---------------------------------------------------------------------------


def frame_table(frame: pd.DataFrame, source: str) -> Table:
    """A DataFrame as a :class:`Table` (values kept as they are; no line totals)."""
    header = tuple(str(c).strip() for c in frame.columns)
    _check_unique(header, source)
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
