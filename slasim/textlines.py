"""Lines of a text file with a bounded length, for the small CSV files read with :mod:`csv`
(rosters, traces): a file without line breaks (``/dev/zero``, a binary file) ends in an
:class:`~slasim.errors.InputError` instead of being read until memory runs out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from slasim.errors import InputError
from slasim.limits import MAX_LINE_CHARS

__all__ = ["bounded_lines"]


def bounded_lines(handle: TextIO, source: str, limit: int = MAX_LINE_CHARS) -> Iterator[str]:
    """The lines of ``handle`` (line ends kept, as :mod:`csv` wants them).

    Raises
    ------
    InputError
        When a line is longer than ``limit`` characters.
    """
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit:
            raise InputError.single(
                source, f"line {number}",
                f"is longer than {limit:,} characters; expected a CSV file with one row per "
                "line (is it a binary file or a device?)",
            )
        yield line
