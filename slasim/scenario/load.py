"""Load scenarios from TOML: ``extends`` overlays, ``--set`` overrides, readable errors.

Every problem is reported as ``file: field.path: message`` with the bad value and what is
expected, so the CLI can print it and exit 2 instead of showing a traceback.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from slasim.errors import InputError
from slasim.limits import MAX_EXTENDS_DEPTH, MAX_SCENARIO_BYTES
from slasim.scenario.overrides import (
    SET_SOURCE,
    Loc,
    apply_override,
    check_nesting,
    override_key,
    split_override,
    too_deep,
    value_at,
)
from slasim.scenario.problems import validation_problems
from slasim.scenario.provenance import Provenance, record_origin
from slasim.scenario.schema import Scenario

__all__ = [
    "deep_merge",
    "input_files",
    "load_options",
    "load_scenario",
    "scenario_from_dict",
    "scenario_to_toml",
]


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read, merge and validate a scenario file.

    Parameters
    ----------
    path
        The scenario TOML file.
    overrides
        ``key.path=value`` strings applied after ``extends`` (values parsed as TOML,
        falling back to a plain string), e.g. ``team.shifts[0].sellers=8``.

    Returns
    -------
    Scenario
        The validated scenario; ``scenario.provenance`` tells where each value came from
        (the file, an ``extends`` parent or ``--set``) and which files were read.

    Raises
    ------
    InputError
        With one problem per mistake: unreadable file, bad TOML, cycle or missing parent in
        ``extends``, bad override, or any schema violation.
    """
    path = Path(path)
    files: list[Path] = []
    data, origin = _resolve(path, chain=(), files=files)
    items = tuple(overrides)
    for item in items:
        # Tables the override creates (sla.tiers.vip of sla.tiers.vip.quota=3) are its too.
        # (A malformed item is reported by apply_override, hence the guard.)
        key = override_key(item) if split_override(item)[0].strip() else ()
        created = [key[:cut] for cut in range(1, len(key)) if value_at(data, key[:cut]) is None]
        apply_override(data, item)
        origin.update(dict.fromkeys(created, SET_SOURCE))
        # The override replaces the whole subtree: forget where the old values came from.
        for loc in [loc for loc in origin if loc[: len(key)] == key]:
            del origin[loc]
        record_origin(value_at(data, key), key, SET_SOURCE, origin)
    scenario = scenario_from_dict(data, source=str(path), origin=origin)
    return scenario.with_provenance(Provenance(origin, tuple(files), items))


def load_options(paths: Sequence[str | Path], overrides: Iterable[str] = ()) -> list[Scenario]:
    """The options of a comparison (``compare``, ``run A B``, ``report --compare``), each
    loaded as :func:`load_scenario` does.

    Options are labelled by their ``name`` (columns, CSV rows, the recommendation): files
    sharing one get their path in it (``"baseline (b2.toml)"``), as the tables mixed them up.
    (One file given twice gets the same label twice; :func:`~slasim.measure.experiment.compare`
    then numbers them: ``"baseline (b.toml) (option 2)"``.)
    """
    scenarios = [load_scenario(path, overrides) for path in paths]
    names = [s.name for s in scenarios]
    return [s.model_copy(update={"name": f"{s.name} ({path})"}) if names.count(s.name) > 1
            else s for path, s in zip(paths, scenarios, strict=True)]


def input_files(scenario: Scenario) -> tuple[Path, ...]:
    """Every file a :func:`load_scenario` result was read from.

    The scenario file, its ``extends`` parents (nearest first), its trace and roster CSVs, if
    any: what a command must not overwrite (see :func:`slasim.outputs.check_outputs`). A
    scenario built in code has no file but its trace and roster; a copy keeps its files.
    """
    trace = (Path(scenario.trace.path),) if scenario.trace is not None else ()
    roster = (Path(scenario.team.roster),) if scenario.team.roster is not None else ()
    return scenario.provenance.files + trace + roster


def scenario_from_dict(
    data: Mapping[str, Any], source: str = "<scenario>", origin: Mapping[Loc, str] | None = None
) -> Scenario:
    """Validate a plain mapping; errors name ``source`` (or the file a value came from)."""
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        raise InputError(validation_problems(exc, data, source, origin or {})) from None


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
    record_origin(data, (), str(path), origin)
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
        with open(path, "rb") as handle:
            raw = handle.read(MAX_SCENARIO_BYTES + 1)
        if len(raw) > MAX_SCENARIO_BYTES:
            raise InputError.single(
                str(path), "", f"is larger than {MAX_SCENARIO_BYTES:,} bytes; expected a scenario "
                "file (a few kilobytes of TOML)",
            )
        text = raw.decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError.single(str(path), "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.single(str(path), "", f"cannot read the file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError.single(str(path), "", f"not valid TOML: {exc}") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise InputError.single(str(path), "", f"not a usable TOML value: {exc}") from None
    except RecursionError:
        raise InputError.single(str(path), "", too_deep(())) from None
    check_nesting(data, (), str(path))
    return data
