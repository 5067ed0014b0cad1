"""Write a commented scenario overlay (TOML with ``extends``) from calibration estimates.

``tomli_w`` cannot write comments, and every calibrated number must say its 95 % interval
and the rows it rests on, so the (small, fixed) structure is written by hand here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["OverlayEntry", "overlay_data", "render_overlay"]

#: A value: a number, a string, a list of numbers, a list of such lists (a matrix), or an
#: inline table as ``((key, number), ...)``.
Value = float | int | str | list[float] | list[list[float]] | tuple[tuple[str, float], ...]
_BARE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class OverlayEntry:
    """One calibrated value: ``[table] key = value  # comment``.

    ``active=False``: the value is not written, only a ``# key: comment`` line saying why
    the base scenario's value is kept.
    """

    table: tuple[str, ...]
    key: str
    value: Value
    comment: str = ""
    active: bool = True


def _key(part: str) -> str:
    return part if _BARE.fullmatch(part) else json.dumps(part)


def _number(value: float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"value(={value!r}) must be finite to be written to TOML")
    text = format(value, ".6g")
    return text if any(c in text for c in ".e") else text + ".0"


def _value(value: Value) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string literal is a valid TOML basic string
    if isinstance(value, list):
        if any(isinstance(v, list) for v in value):  # a matrix: one row per line
            return "[\n" + "".join(f"    {_value(row)},\n" for row in value) + "]"
        return "[" + ", ".join(_number(v) for v in value) + "]"  # type: ignore[arg-type]
    if isinstance(value, tuple):
        return "{ " + ", ".join(f"{_key(k)} = {_number(v)}" for k, v in value) + " }"
    return _number(value)


def render_overlay(
    entries: Sequence[OverlayEntry],
    extends: str,
    name: str,
    description: str,
    header: Sequence[str] = (),
) -> str:
    """The overlay as TOML text: header comments, ``extends``, then one table per group."""
    lines = [f"# {' '.join(h.split())}" if h else "#" for h in header]
    lines += [
        f"extends = {json.dumps(extends)}",
        f"name = {json.dumps(name)}",
        f"description = {json.dumps(description)}",
    ]
    tables: dict[tuple[str, ...], list[OverlayEntry]] = {}
    for entry in entries:
        tables.setdefault(entry.table, []).append(entry)
    for table, items in tables.items():
        lines += ["", "[" + ".".join(_key(p) for p in table) + "]"]
        for item in items:
            comment = " ".join(item.comment.split())  # a comment must stay on its line
            if not item.active:
                lines.append(f"# {item.key}: {comment}")
                continue
            text = f"{_key(item.key)} = {_value(item.value)}"
            lines.append(f"{text}    # {comment}" if comment else text)
    return "\n".join(lines) + "\n"


def overlay_data(entries: Sequence[OverlayEntry]) -> dict[str, Any]:
    """The active entries as a nested mapping (for :func:`slasim.scenario.load.deep_merge`)."""
    data: dict[str, Any] = {}
    for entry in entries:
        if not entry.active:
            continue
        node = data
        for part in entry.table:
            node = node.setdefault(part, {})
        node[entry.key] = dict(entry.value) if isinstance(entry.value, tuple) else entry.value
    return data
