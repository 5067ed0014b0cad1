"""Write a commented scenario overlay (TOML with ``extends``) from calibration estimates.

``tomli_w`` cannot write comments, and every calibrated number must say its 95 % interval
and the rows it rests on, so the (small, fixed) structure is written line by line with
:mod:`slasim.scenario.toml_write` (numbers in six significant digits).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slasim.scenario.toml_write import ShortValue, short_toml_value, toml_key, toml_table

__all__ = ["OverlayEntry", "overlay_data", "render_overlay"]

#: A value (see :data:`slasim.scenario.toml_write.ShortValue`).
Value = ShortValue


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
        lines += ["", toml_table(table)]
        for item in items:
            comment = " ".join(item.comment.split())  # a comment must stay on its line
            if not item.active:
                lines.append(f"# {item.key}: {comment}")
                continue
            text = f"{toml_key(item.key)} = {short_toml_value(item.value)}"
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
