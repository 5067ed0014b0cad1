"""Validation errors as problems a user can act on: ``file: field.path: message``.

Pydantic's errors are turned into :class:`slasim.errors.Problem` s: the location as the user
writes it (``team.shifts[1].start``), the file or ``--set`` that set the value, and a message
with the bad value and what is expected (an unknown key gets a did-you-mean).
"""

from __future__ import annotations

import datetime
import difflib
import re
import types
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from slasim.errors import Problem
from slasim.scenario.overrides import SET_SOURCE, Loc, format_loc, value_at
from slasim.scenario.provenance import source_of
from slasim.scenario.schema import TIER_REFERENCES, Scenario

__all__ = ["validation_problems"]


def validation_problems(
    exc: ValidationError, data: Mapping[str, Any], source: str, origin: Mapping[Loc, str]
) -> list[Problem]:
    # A table under an unknown tier (sla.tiers.vip) is one mistake, the tier name: report it
    # as such and not the fields the stray table lacks, nor the model's own cross-reference
    # error about it (it carries no field path).
    unknown = _unknown_tiers(data)
    problems = [
        Problem(
            source_of(loc, origin, source),
            format_loc(loc),
            f"tier {name!r} is not in [tiers] {list(data['tiers'])}; expected one of them "
            f"or a [tiers.{name}] table",
        )
        for loc, name in unknown
    ]
    for err in exc.errors(include_url=False):
        loc = _data_loc(tuple(err["loc"]), data)
        if unknown and (
            any(loc[: len(bad)] == bad for bad, _ in unknown)
            or (not loc and "not in [tiers]" in err["msg"])
        ):
            continue
        kind = err["type"]
        if kind in ("missing", "extra_forbidden") or not isinstance(value_at(data, loc), dict):
            where = source_of(loc, origin, source)
        else:  # a model validator: it looked at several values of the table at loc
            where = _table_origin(loc, err["msg"], data, origin, source)
        if kind == "extra_forbidden":
            message = _unknown_key_message(loc)
        elif kind == "missing":
            message = "is required but missing"
        else:
            text = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            if kind == "value_error" or "(=" in text:
                message = text
            else:
                message = f"got {_shown(err.get('input'))}; expected: {_lower_first(text)}"
                if kind in ("int_type", "float_type"):
                    message += _number_hint(err.get("input"))
        problems.append(Problem(where, format_loc(loc), message))
    return problems


def _shown(value: Any) -> str:
    """A bad value as the user wrote it: TOML dates and times in their TOML spelling
    (``2026-04-01``, not ``datetime.date(2026, 4, 1)``), the rest as Python shows it."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return repr(value)


def _number_hint(value: Any) -> str:
    """Why a number field refused a boolean or a string (numbers are strict)."""
    if isinstance(value, bool):
        return " (true and false are not numbers)"
    if isinstance(value, str):
        return " (write numbers without quotes)"
    return ""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _data_loc(loc: Loc, data: Any) -> Loc:
    """Keep the parts of a pydantic error location that exist in the input data.

    Pydantic inserts validator and union-tag names into ``loc``; walking the input keeps only
    real keys and indices, which is what a user can find in their file.
    """
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            out.append(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            out.append(part)
        elif isinstance(part, str) and not out and part not in Scenario.model_fields:
            continue
        elif isinstance(node, dict) and isinstance(part, str) and _is_field_name(part):
            out.append(part)  # a missing required field: name it even though it is absent
            break
    return tuple(out)


def _is_field_name(part: str) -> bool:
    return part.isidentifier() and "[" not in part and not part.startswith("function")



# Validator messages show the values they compared as ``name(=value)``.
_NAMED_VALUE = re.compile(r"([A-Za-z_][\w.]*)\(=")


def _table_origin(
    loc: Loc, message: str, data: Mapping[str, Any], origin: Mapping[Loc, str], source: str
) -> str:
    """Source of a model-level error about the table at ``loc``.

    The values the validator looked at are the fields its message names (``end(='07:00')``
    under ``team.shifts[0]``), else everything under ``loc``. If any of them came from
    ``--set``, the most specific overridden key names the source; else the file that set
    ``loc`` (an ``extends`` child that overlays the table, or its parent).
    """
    looked = [
        (*loc, *field)
        for field in (tuple(m.split(".")) for m in _NAMED_VALUE.findall(message))
        if value_at(data, (*loc, *field)) is not None
    ] or [loc]
    overridden = [
        key
        for key, where in origin.items()
        if where == SET_SOURCE and any(key[: len(top)] == top for top in looked)
    ]
    if overridden:
        return origin[max(overridden, key=len)]
    for top in looked:  # an override of an enclosing table or list also set these values
        if source_of(top, origin, source) == SET_SOURCE:
            return SET_SOURCE
    return source_of(loc, origin, source)


def _unknown_tiers(data: Mapping[str, Any]) -> list[tuple[Loc, str]]:
    """``(loc, name)`` of every reference to a tier that ``[tiers]`` does not define."""
    tiers = data.get("tiers")
    if not isinstance(tiers, Mapping):
        return []  # no tier list to check against (reported as its own error)
    found: list[tuple[Loc, str]] = []
    for path in TIER_REFERENCES:
        base: Loc = tuple(path.split("."))
        node = value_at(data, base)
        if isinstance(node, Mapping):
            names: list[tuple[Loc, Any]] = [((*base, key), key) for key in node]
        elif isinstance(node, list):
            names = [((*base, i), value) for i, value in enumerate(node)]
        else:
            continue
        found += [(loc, name) for loc, name in names if isinstance(name, str) and name not in tiers]
    return found


def _unknown_key_message(loc: Loc) -> str:
    name = str(loc[-1]) if loc else "?"
    known = _known_fields(loc[:-1])
    hint = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    text = f"unknown key {name!r}"
    if hint:
        text += f"; did you mean {hint[0]!r}?"
    elif known:
        text += f"; expected one of {sorted(known)}"
    return text


def _known_fields(loc: Loc) -> list[str]:
    """Field names of the model found at ``loc`` (walking containers and optionals)."""
    annotation: Any = Scenario
    for part in loc:
        model = _model_in(annotation)
        if model is not None and isinstance(part, str) and part in model.model_fields:
            annotation = model.model_fields[part].annotation
            continue
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if not args:
            return []
        annotation = args[-1]  # list[X] -> X, dict[K, V] -> V
    model = _model_in(annotation)
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None
