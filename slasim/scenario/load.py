"""Load scenarios from TOML: ``extends`` overlays, ``--set`` overrides, readable errors.

Every problem is reported as ``file: field.path: message`` with the bad value and what is
expected, so the CLI can print it and exit 2 instead of showing a traceback.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from slasim.errors import InputError, Problem
from slasim.limits import MAX_EXTENDS_DEPTH, MAX_NESTING
from slasim.scenario.schema import TIER_REFERENCES, Scenario

__all__ = [
    "apply_override",
    "deep_merge",
    "input_files",
    "load_scenario",
    "origin_of",
    "scenario_from_dict",
    "scenario_to_toml",
    "set_locations",
]

Loc = tuple[str | int, ...]
SET_SOURCE = "--set"

# Key provenance of loaded scenarios, by id() (a frozen model cannot carry it, and scenarios
# are unhashable); a finalizer drops the entry with the scenario. Read with origin_of().
_ORIGINS: dict[int, dict[Loc, str]] = {}
# Files each loaded scenario was read from (the file, then its extends parents), by id().
_FILES: dict[int, tuple[Path, ...]] = {}


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, merge and validate a scenario file.

    Parameters
    ----------
    path
        The scenario TOML file.
    overrides
        ``key.path=value`` strings applied after ``extends`` (values parsed as TOML,
        falling back to a plain string), e.g. ``team.shifts[0].sellers=8``.

    Raises
    ------
    InputError
        With one problem per mistake: unreadable file, bad TOML, cycle or missing parent in
        ``extends``, bad override, or any schema violation.
    """
    path = Path(path)
    files: list[Path] = []
    data, origin = _resolve(path, chain=(), files=files)
    for item in overrides:
        # Tables the override creates (sla.tiers.vip of sla.tiers.vip.quota=3) are its too.
        # (A malformed item is reported by apply_override, hence the guard.)
        key = _override_key(item) if item.partition("=")[0].strip() else ()
        created = [key[:cut] for cut in range(1, len(key)) if _value_at(data, key[:cut]) is None]
        apply_override(data, item)
        origin.update(dict.fromkeys(created, SET_SOURCE))
        # The override replaces the whole subtree: forget where the old values came from.
        for loc in [loc for loc in origin if loc[: len(key)] == key]:
            del origin[loc]
        _record_origin(_value_at(data, key), key, SET_SOURCE, origin)
    scenario = scenario_from_dict(data, source=str(path), origin=origin)
    _ORIGINS[id(scenario)] = origin
    weakref.finalize(scenario, _ORIGINS.pop, id(scenario), None)
    _FILES[id(scenario)] = tuple(files)
    weakref.finalize(scenario, _FILES.pop, id(scenario), None)
    return scenario


def input_files(scenario: Scenario) -> tuple[Path, ...]:
    """Every file a :func:`load_scenario` result was read from.

    The scenario file, its ``extends`` parents (nearest first), its trace and roster CSVs, if
    any: what a command must not overwrite (see :func:`slasim.outputs.check_outputs`). A
    scenario built in code has no file but its trace and roster.
    """
    trace = (Path(scenario.trace.path),) if scenario.trace is not None else ()
    roster = (Path(scenario.team.roster),) if scenario.team.roster is not None else ()
    return _FILES.get(id(scenario), ()) + trace + roster


def scenario_from_dict(
    data: Mapping[str, Any], source: str = "<scenario>", origin: Mapping[Loc, str] | None = None
) -> Scenario:
    """Validate a plain mapping; errors name ``source`` (or the file a value came from)."""
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError(_problems(exc, data, source, origin or {})) from None


def origin_of(scenario: Scenario, loc: str | Loc, default: str) -> str:
    """Where the value at ``loc`` of a :func:`load_scenario` result came from.

    Parameters
    ----------
    scenario
        A scenario returned by :func:`load_scenario` (others have no provenance).
    loc
        Key path, ``"optimize.sellers.night"`` or ``("optimize", "sellers", "night")``.
    default
        Returned when the scenario has no provenance (built in code, copied or transformed).

    Returns
    -------
    str
        ``"--set"``, the scenario file (or ``extends`` parent) that set the value, or
        ``default``.
    """
    origin = _ORIGINS.get(id(scenario))
    if origin is None:
        return default
    key = _parse_path(loc, loc) if isinstance(loc, str) else loc
    return _origin_of(key, origin, default)


def set_locations(scenario: Scenario) -> tuple[Loc, ...]:
    """The key paths ``--set`` replaced in a :func:`load_scenario` result, outermost only.

    ``team.shifts[0].sellers=8`` gives ``("team", "shifts", 0, "sellers")``; the tables an
    override created are not listed apart. Empty for a scenario without provenance.
    """
    origin = _ORIGINS.get(id(scenario), {})
    locs = sorted((loc for loc, source in origin.items() if source == SET_SOURCE), key=len)
    roots: list[Loc] = []
    for loc in locs:
        if not any(loc[: len(r)] == r for r in roots):
            roots.append(loc)
    return tuple(roots)


def scenario_to_toml(scenario: Scenario) -> str:
    """The scenario as a TOML document that loads back to an equal scenario."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    data.pop("extends", None)
    return tomli_w.dumps(data)


def deep_merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``overlay`` into a copy of ``base``: tables merge by key, anything else replaces."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def apply_override(data: dict[str, Any], item: str) -> None:
    """Apply one ``key.path=value`` override in place (lists indexed as ``shifts[1]``)."""
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise InputError.single(
            SET_SOURCE, item, "expected KEY.PATH=VALUE, e.g. team.shrinkage=0.3"
        )
    loc = _parse_path(key.strip(), item)
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
        raise InputError.single(SET_SOURCE, format_loc(loc), _too_deep(loc)) from None
    _check_nesting(value, loc, SET_SOURCE)
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


# -- internals ---------------------------------------------------------------------------


def _resolve(
    path: Path, chain: tuple[Path, ...], files: list[Path] | None = None
) -> tuple[dict[str, Any], dict[Loc, str]]:
    """Read ``path`` and its ``extends`` parents; return merged data and key provenance.

    ``files`` (when given) collects ``path`` and each parent read.
    """
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise InputError.single(str(path), "extends", f"cycle in extends: {cycle}")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise InputError.single(
            str(chain[0]), "extends", f"the chain of extends is longer than {MAX_EXTENDS_DEPTH} "
            f"files ({chain[0]} -> {chain[1]} -> ... -> {path}); expected at most "
            f"{MAX_EXTENDS_DEPTH} (a deeper chain is a mistake, and too deep to read)",
        )
    data = _read_toml(path)
    if files is not None:
        files.append(path)
    trace = data.get("trace")
    if isinstance(trace, dict) and isinstance(trace.get("path"), str):
        # A trace file is named relative to the scenario file that names it.
        trace["path"] = str((path.parent / trace["path"]).resolve())
    team = data.get("team")
    if isinstance(team, dict) and isinstance(team.get("roster"), str):
        # So is a roster file (team.roster).
        team["roster"] = str((path.parent / team["roster"]).resolve())
    origin: dict[Loc, str] = {}
    _record_origin(data, (), str(path), origin)
    parent = data.pop("extends", None)
    if parent is None:
        return data, origin
    if not isinstance(parent, str):
        raise InputError.single(
            str(path), "extends", f"got {parent!r}; expected a file name such as 'baseline.toml'"
        )
    parent_path = path.parent / parent
    if not parent_path.is_file():
        raise InputError.single(
            str(path), "extends", f"parent scenario {parent!r} not found (looked for {parent_path})"
        )
    base, base_origin = _resolve(parent_path, (*chain, resolved), files)
    base_origin.update(origin)
    return deep_merge(base, data), base_origin


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError.single(str(path), "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(str(path), "", f"cannot read the file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError.single(str(path), "", f"not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError.single(str(path), "", _too_deep(())) from None
    _check_nesting(data, (), str(path))
    return data


def _too_deep(loc: Loc) -> str:
    where = f" under {format_loc(loc)}" if loc else ""
    return (
        f"tables or arrays nested more than {MAX_NESTING} levels deep{where}; a scenario "
        "needs at most 6 (tiers.hot.profile.matrix[0][0]); expected plain values"
    )


def _check_nesting(value: Any, loc: Loc, source: str) -> None:
    """Refuse tables and arrays nested deeper than :data:`MAX_NESTING` below the root.

    Iterative, so that a value nested thousands deep is refused here instead of crashing
    the recursive code after it (provenance, merging, validation, repr).
    """
    stack: list[tuple[Any, Loc]] = [(value, loc)]
    while stack:
        node, at = stack.pop()
        if len(at) > MAX_NESTING:
            raise InputError.single(source, format_loc(at[:MAX_NESTING]) + "...", _too_deep(()))
        if isinstance(node, dict):
            stack.extend((v, (*at, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*at, i)) for i, v in enumerate(node))


def _record_origin(node: Any, loc: Loc, source: str, origin: dict[Loc, str]) -> None:
    origin[loc] = source
    if isinstance(node, dict):
        for key, value in node.items():
            _record_origin(value, (*loc, key), source, origin)


# One key of a path, as in TOML: a bare key (letters, digits, _ and -) or a quoted one, then
# any [index]es, then a dot or the end.
_PATH_PART = re.compile(r"""\s*(?:([\w-]+)|"([^"]*)"|'([^']*)')((?:\[[^\]]*\])*)\s*(\.|$)""")
_PATH_NAME = re.compile(r"""\s*(?:[\w-]+|"[^"]*"|'[^']*')\s*""")


def _parse_path(key: str, item: str) -> Loc:
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
        raise InputError.single(SET_SOURCE, item, _too_deep(()))
    return tuple(loc)


def _empty_part(number: int, key: str) -> str:
    return (
        f"part {number} of {key!r} is empty (two dots, or a dot at an end); expected "
        "KEY.PATH such as team.shrinkage"
    )


def _override_key(item: str) -> Loc:
    return _parse_path(item.partition("=")[0].strip(), item)


def format_loc(loc: Loc) -> str:
    """``("team", "shifts", 1, "start")`` -> ``team.shifts[1].start``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


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


def _problems(
    exc: ValidationError, data: Mapping[str, Any], source: str, origin: Mapping[Loc, str]
) -> list[Problem]:
    # A table under an unknown tier (sla.tiers.vip) is one mistake, the tier name: report it
    # as such and not the fields the stray table lacks, nor the model's own cross-reference
    # error about it (it carries no field path).
    unknown = _unknown_tiers(data)
    problems = [
        Problem(
            _origin_of(loc, origin, source),
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
        if kind in ("missing", "extra_forbidden") or not isinstance(_value_at(data, loc), dict):
            where = _origin_of(loc, origin, source)
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
                message = f"got {err.get('input')!r}; expected: {_lower_first(text)}"
                if kind in ("int_type", "float_type"):
                    message += _number_hint(err.get("input"))
        problems.append(Problem(where, format_loc(loc), message))
    return problems


def _number_hint(value: Any) -> str:
    """Why a number field refused a boolean or a string (numbers are strict)."""
    if isinstance(value, bool):
        return " (true and false are not numbers)"
    if isinstance(value, str):
        return " (write numbers without quotes)"
    return ""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _origin_of(loc: Loc, origin: Mapping[Loc, str], source: str) -> str:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in origin:
            return origin[loc[:cut]]
    return source


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
        if _value_at(data, (*loc, *field)) is not None
    ] or [loc]
    overridden = [
        key
        for key, where in origin.items()
        if where == SET_SOURCE and any(key[: len(top)] == top for top in looked)
    ]
    if overridden:
        return origin[max(overridden, key=len)]
    for top in looked:  # an override of an enclosing table or list also set these values
        if _origin_of(top, origin, source) == SET_SOURCE:
            return SET_SOURCE
    return _origin_of(loc, origin, source)


def _value_at(data: Any, loc: Loc) -> Any:
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


def _unknown_tiers(data: Mapping[str, Any]) -> list[tuple[Loc, str]]:
    """``(loc, name)`` of every reference to a tier that ``[tiers]`` does not define."""
    tiers = data.get("tiers")
    if not isinstance(tiers, Mapping):
        return []  # no tier list to check against (reported as its own error)
    found: list[tuple[Loc, str]] = []
    for path in TIER_REFERENCES:
        base: Loc = tuple(path.split("."))
        node = _value_at(data, base)
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
