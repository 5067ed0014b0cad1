"""``--set`` overrides: key paths (``team.shifts[0].sellers``), their values and the nesting limit.

The path language is shared by ``--set``, the sweep grids (:mod:`slasim.scenario.grid`) and the
provenance of loaded values (:mod:`slasim.scenario.provenance`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from typing import Any

from slasim.errors import InputError
from slasim.limits import MAX_NESTING

__all__ = [
    "SET_SOURCE",
    "Loc",
    "apply_override",
    "check_nesting",
    "format_loc",
    "override_key",
    "parse_path",
    "split_override",
    "too_deep",
    "value_at",
]

#: A key path: table keys and list indices, ``("team", "shifts", 0, "sellers")``.
Loc = tuple[str | int, ...]
#: The source named for a value an override set.
SET_SOURCE = "--set"


def split_override(item: str) -> tuple[str, str, str]:
    """``item.partition("=")`` at the first "=" outside a quoted key part, so that
    ``tiers."a=b".monthly_volume=10`` names the tier ``a=b``."""
    split = re.match(r'(?:[^="]|"[^"]*")*?=', item)
    if split is None:
        return item, "", ""
    return item[:split.end() - 1], "=", item[split.end():]


def apply_override(data: dict[str, Any], item: str) -> None:
    """Apply one ``key.path=value`` override in place (lists indexed as ``shifts[1]``)."""
    key, sep, raw = split_override(item)
    if not sep or not key.strip():
        raise InputError.single(
            SET_SOURCE, item, "expected KEY.PATH=VALUE, e.g. team.shrinkage=0.3"
        )
    loc = parse_path(key.strip(), item)
    if loc[0] == "extends":
        raise InputError.single(
            SET_SOURCE, format_loc(loc), f"got {raw.strip()!r}; --set cannot change extends "
            "(parents are read with the file, before --set); expected a scenario file with "
            "extends = ..., or --set on the values themselves",
        )
    try:
        value: Any = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()  # bare words such as newest_first are strings
    except RecursionError:
        raise InputError.single(SET_SOURCE, format_loc(loc), too_deep(loc)) from None
    except ValueError:  # an integer of more than 4,300 digits (Python's conversion limit)
        raise InputError.single(
            SET_SOURCE, format_loc(loc), f"got a number of {len(raw.strip()):,} characters; "
            "expected a number of ordinary size",
        ) from None
    check_nesting(value, loc, SET_SOURCE)
    node: Any = data
    for i, part in enumerate(loc[:-1]):
        nxt = loc[i + 1]
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                size = len(node) if isinstance(node, list) else 0
                raise InputError.single(
                    SET_SOURCE, key, f"index [{part}] is out of range (the list has {size} items)"
                )
            node = node[part]
        else:
            if not isinstance(node, dict):
                raise InputError.single(SET_SOURCE, key, f"{part!r} is not inside a table")
            node = node.setdefault(part, [] if isinstance(nxt, int) else {})
    last = loc[-1]
    if isinstance(last, int):
        if not isinstance(node, list) or last >= len(node):
            raise InputError.single(SET_SOURCE, key, f"index [{last}] is out of range")
        node[last] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise InputError.single(SET_SOURCE, key, f"{last!r} is not inside a table")



# One key of a path, as in TOML: a bare key (letters, digits, _ and -) or a quoted one, then
# any [index]es, then a dot or the end.
_PATH_PART = re.compile(r"""\s*(?:([\w-]+)|"([^"]*)"|'([^']*)')((?:\[[^\]]*\])*)\s*(\.|$)""")
_PATH_NAME = re.compile(r"""\s*(?:[\w-]+|"[^"]*"|'[^']*')\s*""")


def parse_path(key: str, item: str) -> Loc:
    """``team.shifts[0].sellers`` -> ``("team", "shifts", 0, "sellers")``.

    Every part must name a key: an empty part (``team..shrinkage``, a leading or trailing
    dot) is an error, not skipped. Quoted parts (``tiers."paid search".quota``) allow any name.
    """
    loc: list[str | int] = []
    pos = 0
    while True:
        match = _PATH_PART.match(key, pos)
        if match is None:
            rest = key[pos:]
            name_only = _PATH_NAME.match(rest)
            if name_only and rest[name_only.end() :].startswith("["):
                message = f"bad index in {key!r}; expected name[0]"
            elif not rest.strip() or rest.lstrip().startswith("."):
                message = _empty_part(len(loc) + 1, key)
            else:
                message = (
                    f"part {rest.partition('.')[0]!r} of {key!r} is not a key; expected letters, "
                    'digits, _ and -, or a quoted key such as tiers."paid search"'
                )
            raise InputError.single(SET_SOURCE, item, message)
        name = next(g for g in match.group(1, 2, 3) if g is not None)
        loc.append(name)
        for index in re.findall(r"\[([^\]]*)\]", match.group(4)):
            if not index.isdigit():
                raise InputError.single(SET_SOURCE, item, f"bad index in {key!r}; expected name[0]")
            loc.append(int(index))
        pos = match.end()
        if not match.group(5):  # the end of the key
            break
        if pos == len(key):  # a trailing dot
            raise InputError.single(SET_SOURCE, item, _empty_part(len(loc) + 1, key))
    if len(loc) > MAX_NESTING:
        raise InputError.single(SET_SOURCE, item, too_deep(()))
    return tuple(loc)


def _empty_part(number: int, key: str) -> str:
    return (
        f"part {number} of {key!r} is empty (two dots, or a dot at an end); expected "
        "KEY.PATH such as team.shrinkage"
    )


def override_key(item: str) -> Loc:
    """The key path of a ``key.path=value`` item."""
    return parse_path(split_override(item)[0].strip(), item)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def format_loc(loc: Loc) -> str:
    """``("team", "shifts", 1, "start")`` -> ``team.shifts[1].start``; a key that is not bare
    is quoted (``tiers."paid search"``), so that :func:`parse_path` reads it back."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = part if _BARE_KEY.fullmatch(part) else f'"{part}"'
        out += f".{text}" if out else text
    return out


def too_deep(loc: Loc) -> str:
    """The message for tables or arrays nested deeper than the limit (under ``loc``)."""
    where = f" under {format_loc(loc)}" if loc else ""
    return (
        f"tables or arrays nested more than {MAX_NESTING} levels deep{where}; a scenario "
        "needs at most 6 (tiers.hot.profile.matrix[0][0]); expected plain values"
    )


def check_nesting(value: Any, loc: Loc, source: str) -> None:
    """Refuse tables and arrays nested deeper than :data:`MAX_NESTING` below the root.

    Iterative, so that a value nested thousands deep is refused here instead of crashing
    the recursive code after it (provenance, merging, validation, repr).
    """
    stack: list[tuple[Any, Loc]] = [(value, loc)]
    while stack:
        node, at = stack.pop()
        if len(at) > MAX_NESTING:
            raise InputError.single(source, format_loc(at[:MAX_NESTING]) + "...", too_deep(()))
        if isinstance(node, dict):
            stack.extend((v, (*at, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*at, i)) for i, v in enumerate(node))



def value_at(data: Any, loc: Loc) -> Any:
    """The value at ``loc`` in plain data, or None where the path does not exist."""
    node = data
    for part in loc:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node
