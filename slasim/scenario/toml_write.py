"""Write TOML text by hand, with comments: the files slasim writes for a person to read.

``tomli_w`` writes values but no comments, and every proposal or calibrated value must say
where it comes from, so the (small, fixed) structure of those files is written line by line
with these helpers; the values come from ``tomli_w`` (:func:`toml_value`) or, for calibrated
estimates, in six significant digits (:func:`short_toml_value`). The files are written fresh,
never edited, so no round-trip library (tomlkit) is needed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable

import tomli_w

__all__ = ["ShortValue", "short_toml_value", "toml_key", "toml_table", "toml_value"]

#: A value of :func:`short_toml_value`: a number, a string, a list of numbers, a list of such
#: lists (a matrix), or an inline table as ``((key, number), ...)``.
ShortValue = float | int | str | list[float] | list[list[float]] | tuple[tuple[str, float], ...]
_BARE = re.compile(r"[A-Za-z0-9_-]+")


def toml_key(key: str) -> str:
    """A TOML key: bare when it can be, else quoted."""
    return key if _BARE.fullmatch(key) else json.dumps(key)


def toml_table(path: Iterable[str]) -> str:
    """The header of the table at ``path``: ``[sla.tiers."paid search"]``."""
    return "[" + ".".join(toml_key(part) for part in path) + "]"


def toml_value(v: object) -> str:
    """One TOML value (via tomli_w, so strings are quoted as TOML wants); lists and tables
    on one line (a table's None values are left out)."""
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):  # an inline table (a list element: team.shifts from --set)
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()
                                if x is not None) + " }"
    return tomli_w.dumps({"v": v}).strip()[len("v = "):]


def _short_number(value: float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"value(={value!r}) must be finite to be written to TOML")
    text = format(value, ".6g")
    return text if any(c in text for c in ".e") else text + ".0"


def short_toml_value(value: ShortValue) -> str:
    """A TOML value with numbers in six significant digits (an estimate's precision); a
    matrix one row per line, strings JSON-quoted (a JSON string is a TOML basic string)."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        if any(isinstance(v, list) for v in value):  # a matrix: one row per line
            return "[\n" + "".join(f"    {short_toml_value(row)},\n" for row in value) + "]"
        return "[" + ", ".join(_short_number(v) for v in value) + "]"  # type: ignore[arg-type]
    if isinstance(value, tuple):
        return "{ " + ", ".join(f"{toml_key(k)} = {_short_number(v)}" for k, v in value) + " }"
    return _short_number(value)
