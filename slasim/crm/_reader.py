"""Reading a CSV file into header + rows: encodings, BOMs, delimiters, whole-file errors.

Rows keep their spreadsheet row number (the header is row 1; a quoted cell spanning lines
is still one row), so every report can point at the row a user sees in Excel.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slasim.errors import InputError

__all__ = ["RawTable", "delimiter_name", "has_undecodable", "read_table", "show_value"]

_DELIMITERS = (",", ";", "\t", "|")
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class RawTable:
    """A CSV file split into fields.

    Attributes
    ----------
    header
        Column names (whitespace stripped).
    rows
        ``(row number, fields)`` per non-blank data row; the header is row 1. Fields are
        text when read from a file, any Python value when taken from a DataFrame.
    blank_rows
        Rows with no content (skipped; not counted as read).
    delimiter, encoding
        What was used to read the file; ``notes`` says what was detected.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[Any, ...]], ...]
    blank_rows: int
    delimiter: str
    encoding: str
    notes: tuple[str, ...]


def delimiter_name(delimiter: str) -> str:
    return _NAMES.get(delimiter, repr(delimiter))


def has_undecodable(text: str) -> bool:
    """Whether ``text`` holds bytes that did not decode (kept as surrogate escapes)."""
    return _SURROGATE.search(text) is not None


def show_value(text: str) -> str:
    """The value as a user should see it: undecodable bytes as ``\\xe9``."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def _decode(data: bytes, encoding: str) -> tuple[str, str, list[str]]:
    notes: list[str] = []
    if data.startswith(codecs.BOM_UTF8):
        notes.append("UTF-8 byte-order mark (BOM) found and removed")
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", "surrogateescape"), "utf-8", notes
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a BOM (and usually tabs).
        notes.append("UTF-16 byte-order mark found: read as UTF-16")
        return data.decode("utf-16", "surrogateescape"), "utf-16", notes
    return data.decode(encoding, "surrogateescape"), encoding, notes


def _first_line(text: str) -> str:
    # The header never spans lines in practice; quotes are dropped before counting.
    line = text.split("\n", 1)[0]
    return re.sub(r'"[^"]*"', "", line)


def _choose_delimiter(text: str, source: str, wanted: str | None) -> tuple[str, list[str]]:
    line = _first_line(text)
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


def read_table(path: str | Path, encoding: str = "utf-8", delimiter: str | None = None) -> RawTable:
    """Read ``path`` into a :class:`RawTable`.

    Raises
    ------
    InputError
        File not found or unreadable, unknown encoding, empty file, a header without data
        rows, a blank or repeated column name, a delimiter that is clearly wrong, or a CSV
        syntax error (with its line).
    """
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError.single(source, "", "file not found") from None
    except OSError as exc:
        reason = exc.strerror or exc  # an OSError raised with one argument has no strerror
        raise InputError.single(source, "", f"cannot read the file ({reason})") from None
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError.single(
            source, "--encoding", f"got {encoding!r}; expected a codec such as utf-8 or cp1252"
        ) from None
    text, used_encoding, notes = _decode(data, encoding)
    if not text.strip():
        raise InputError.single(
            source, "", "the file is empty; expected a header row (lead_id,created_at,tier,...) "
            "and one row per lead"
        )
    sep, sep_notes = _choose_delimiter(text, source, delimiter)
    notes += sep_notes
    records: list[list[str]] = []
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as exc:
        raise InputError.single(source, "", f"not a readable CSV file ({exc})") from None
    header = tuple(name.strip() for name in records[0])
    problems = [n for n in header if not n]
    if problems:
        raise InputError.single(
            source, "header", f"has a blank column name: {list(header)}; expected a name per column"
        )
    for name in header:
        if header.count(name) > 1:
            raise InputError.single(
                source, "header", f"column {name!r} appears {header.count(name)} times; "
                "expected unique column names"
            )
    rows: list[tuple[int, tuple[Any, ...]]] = []
    blank = 0
    for number, fields in enumerate(records[1:], start=2):
        if not any(f.strip() for f in fields):
            blank += 1
            continue
        rows.append((number, tuple(fields)))
    if not rows:
        raise InputError.single(
            source, "", f"the file has a header ({', '.join(header)}) but no data rows; "
            "expected one row per lead"
        )
    return RawTable(header, tuple(rows), blank, sep, used_encoding, tuple(notes))
