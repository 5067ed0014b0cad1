"""The grid of ``slasim sweep``: ``--grid PATH=VALUES`` axes over ``--set`` paths.

``PATH`` is a ``--set`` key path (``team.shifts[0].sellers``); ``VALUES`` is

- a range of whole numbers, both ends included: ``4..10`` (step 1) or ``4..20..4``;
- a range of decimals with its step: ``0.8..0.95..0.05`` (counted in decimal, so the last
  value is ``0.95``, not ``0.9500000000000001``);
- a comma list of ``--set`` values (TOML, else a bare word): ``fifo,tier_priority``,
  ``0.8,0.9``, ``["mon","tue"],["mon"]`` (commas inside brackets or quotes do not split).

The grid is the product of the axes, the first axis varying slowest. Every mistake raises
:class:`~slasim.errors.InputError` naming ``--grid``, the path, the bad value and what was
expected (exit code 2 in the CLI).
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from slasim.errors import InputError

__all__ = ["GRID_SOURCE", "MAX_GRID_POINTS", "GridAxis", "grid_points", "parse_grid"]

#: The option named in grid errors.
GRID_SOURCE = "--grid"
#: Points of one sweep at most: more is a typing mistake (a range with a forgotten step) or a
#: job for several sweeps; every point costs ``--reps`` months.
MAX_GRID_POINTS = 10_000

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*(?:\.\.\s*({_NUMBER})\s*)?")
_EXPECTED = (
    "expected a range a..b or a..b..step (e.g. 4..10, 0.8..0.95..0.05) or a comma list "
    "(e.g. fifo,tier_priority)"
)


@dataclass(frozen=True)
class GridAxis:
    """One ``--grid`` axis.

    Attributes
    ----------
    path
        The ``--set`` key path, as written (``team.shifts[0].sellers``).
    values
        The values, parsed as ``--set`` parses them (int, float, str, bool, list...).
    texts
        Each value as ``--set`` text (``PATH=TEXT`` sets it).
    """

    path: str
    values: tuple[Any, ...]
    texts: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.values)

    @property
    def numeric(self) -> bool:
        """Every value is a number (not a boolean): the axis has a scale, not just an order."""
        return all(isinstance(v, int | float) and not isinstance(v, bool) for v in self.values)


def _error(path: str, message: str) -> InputError:
    return InputError.single(GRID_SOURCE, path, message)


def parse_grid(item: str) -> GridAxis:
    """Parse one ``--grid PATH=VALUES`` option.

    Raises
    ------
    InputError
        ``--grid: team.shifts[0].sellers: got '10..4'; expected a <= b ...``.
    """
    from slasim.scenario.overrides import format_loc, parse_path, split_override

    key, sep, raw = split_override(item)
    path = key.strip()
    if not sep or not path:
        raise _error(item, f"got {item!r}; expected PATH=VALUES, e.g. "
                           "team.shifts[0].sellers=4..10")
    try:
        # The canonical spelling (team.shifts[00] .sellers -> team.shifts[0].sellers): the
        # column name, and what "given twice" compares.
        path = format_loc(parse_path(path, item))
    except InputError as exc:
        raise _error(path, exc.problems[0].message) from None
    text = raw.strip()
    if not text:
        raise _error(path, f"got no values; {_EXPECTED}")
    match = _RANGE.fullmatch(text)
    if match:
        values = _range(path, text, *match.groups())
        texts = tuple(_number_text(v) for v in values)
    else:
        texts = tuple(_split(path, text))
        values = tuple(_value(t) for t in texts)
    # Values equal as Python compares them are one point (4 and 4.0, true and 1): the grid
    # finds a point's text by equality, and the scenario would be the same twice.
    seen: dict[Any, str] = {}
    for value, token in zip(values, texts, strict=True):
        twin: Any = value if isinstance(value, int | float | str) else ("list", repr(value))
        if twin in seen:
            same = (f"the value {token!r} appears twice" if seen[twin] == token
                    else f"the values {seen[twin]!r} and {token!r} are the same")
            raise _error(path, f"got {text!r}: {same}; expected each value once (a point is "
                               "simulated once)")
        seen[twin] = token
    if len(values) > MAX_GRID_POINTS:
        raise _error(path, f"got {text!r}: {len(values):,} values; expected at most "
                           f"{MAX_GRID_POINTS:,} (a larger step?)")
    return GridAxis(path, values, texts)


def _range(path: str, text: str, first: str, last: str, step: str | None) -> tuple[Any, ...]:
    """The values of ``first..last..step``, both ends included when the step reaches them."""
    try:
        a, b = Decimal(first), Decimal(last)
        s = Decimal(step) if step is not None else None
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        raise _error(path, f"got {text!r}; {_EXPECTED}") from None
    whole = all(
        "." not in t and "e" not in t.lower() for t in (first, last, step) if t is not None
    )
    if s is None:
        if not whole:
            # The example in plain numbers, ten steps long (it echoed '4...6..0.05' and
            # '1..1e9..0.05', 2e10 points).
            lo, hi = min(a, b), max(a, b)
            hint = (hi - lo) / 10 if hi > lo else Decimal("0.05")
            plain = [format(x.normalize(), "f") for x in (lo, hi, hint)]
            raise _error(path, f"got {text!r}; expected a step for a range of decimals: "
                               f"a..b..step, e.g. {'..'.join(plain)}")
        s = Decimal(1)
    if s <= 0:
        raise _error(path, f"got {text!r}: step {step}; expected a step > 0")
    if a > b:
        raise _error(path, f"got {text!r}; expected a <= b (e.g. {last}..{first})")
    try:
        span = (b - a) / s
    except ArithmeticError:  # decimal.Overflow: 0..1e9999999999
        span = Decimal("Infinity")
    if span >= MAX_GRID_POINTS:
        # The count when it is a readable number (not 400 digits).
        many = f"{int(span) + 1:,}" if span < 10**15 else f"more than {MAX_GRID_POINTS:,}"
        raise _error(path, f"got {text!r}: {many} values; expected at most "
                           f"{MAX_GRID_POINTS:,} (a larger step?)")
    count = int(span) + 1
    exact = [a + i * s for i in range(count)]
    if whole:
        return tuple(int(v) for v in exact)
    values = tuple(float(v) for v in exact)
    if not all(math.isfinite(v) for v in values):
        raise _error(path, f"got {text!r}; expected finite numbers")
    return values


def _number_text(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def _split(path: str, text: str) -> list[str]:
    """Split a comma list at top-level commas (not inside brackets, braces or quotes)."""
    tokens, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            tokens.append(text[start:i])
            start = i + 1
    tokens.append(text[start:])
    tokens = [t.strip() for t in tokens]
    if quote or depth:
        raise _error(path, f"got {text!r}: an unclosed {'quote' if quote else 'bracket'}; "
                           f"{_EXPECTED}")
    if any(not t for t in tokens):
        raise _error(path, f"got {text!r}: an empty value between commas; {_EXPECTED}")
    return tokens


def _value(token: str) -> Any:
    """A ``--set`` value: TOML, else the bare word (as
    :func:`slasim.scenario.overrides.apply_override`)."""
    try:
        return tomllib.loads(f"v = {token}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return token  # ValueError: an integer beyond Python's 4,300-digit limit


def grid_points(axes: Sequence[GridAxis]) -> list[tuple[Any, ...]]:
    """Every point of the grid (one value per axis), the first axis varying slowest.

    Raises
    ------
    InputError
        When two axes name the same path, or the grid has more than
        :data:`MAX_GRID_POINTS` points.
    """
    if not axes:
        raise _error("", "no axis; expected at least one --grid PATH=VALUES")
    seen: set[str] = set()
    for axis in axes:
        if axis.path in seen:
            raise _error(axis.path, "given twice; expected each path in one --grid option")
        seen.add(axis.path)
    count = math.prod(len(a) for a in axes)
    if count > MAX_GRID_POINTS:
        sizes = " x ".join(str(len(a)) for a in axes)
        raise _error(axes[-1].path, f"the grid has {sizes} = {count:,} points; expected at "
                                    f"most {MAX_GRID_POINTS:,} (larger steps, or several sweeps)")
    return list(itertools.product(*(a.values for a in axes)))
