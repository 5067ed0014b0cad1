"""Where each value of a loaded scenario came from: its file, an ``extends`` parent or ``--set``.

:func:`slasim.scenario.load.load_scenario` records it; the :class:`Provenance` is kept on the
scenario (``scenario.provenance``), so that copies and pickles keep it, and error messages about
a value can name the file or option that set it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slasim.scenario.overrides import SET_SOURCE, Loc, parse_path, split_override

__all__ = ["Provenance", "record_origin", "source_of"]


@dataclass(frozen=True)
class Provenance:
    """The sources of a loaded scenario's values and the files it was read from.

    Empty for a scenario built in code: every lookup then returns its default.

    Attributes
    ----------
    origins
        Key path -> ``"--set"`` or the scenario file (or ``extends`` parent) that set the value
        there (None: replaced in code, no source); a path not listed takes the source of its
        nearest listed ancestor. Read-only.
    files
        The scenario file, then its ``extends`` parents (nearest first).
    overrides
        The ``--set`` items as given (``"horizon.days=7"``), in order: what a command that
        reproduces the scenario must repeat.
    """

    origins: Mapping[Loc, str | None] = field(default_factory=dict)
    files: tuple[Path, ...] = ()
    overrides: tuple[str, ...] = ()

    def origin_of(self, loc: str | Loc, default: str) -> str:
        """Where the value at ``loc`` came from.

        Parameters
        ----------
        loc
            Key path, ``"optimize.sellers.night"`` or ``("optimize", "sellers", "night")``.
        default
            Returned when there is no provenance (a scenario built in code).

        Returns
        -------
        str
            ``"--set"``, the scenario file (or ``extends`` parent) that set the value, or
            ``default``.
        """
        if not self.origins:
            return default
        key = parse_path(loc, loc) if isinstance(loc, str) else loc
        return source_of(key, self.origins, default)

    def set_locations(self) -> tuple[Loc, ...]:
        """The key paths ``--set`` replaced, outermost only.

        ``team.shifts[0].sellers=8`` gives ``("team", "shifts", 0, "sellers")``; the tables an
        override created are not listed apart. Empty without provenance.
        """
        locs = sorted(
            (loc for loc, source in self.origins.items() if source == SET_SOURCE), key=len
        )
        roots: list[Loc] = []
        for loc in locs:
            if not any(loc[: len(r)] == r for r in roots):
                roots.append(loc)
        return tuple(roots)

    def without(self, keys: Iterable[str]) -> Provenance:
        """The provenance after the top-level ``keys`` were replaced in code (``model_copy``
        with ``update``): their values have no source any more."""
        gone = set(keys)
        if not gone or not self.origins:
            return self
        kept: dict[Loc, str | None] = {
            loc: src for loc, src in self.origins.items() if not (loc and loc[0] in gone)
        }
        kept.update({(key,): None for key in gone})
        overrides = tuple(o for o in self.overrides
                          if split_override(o)[0].strip().partition(".")[0].partition("[")[0]
                          not in gone)
        return Provenance(kept, self.files, overrides)


def record_origin(node: Any, loc: Loc, source: str, origin: dict[Loc, str]) -> None:
    """Name ``source`` as the origin of ``node`` at ``loc`` and of every table value below it."""
    origin[loc] = source
    if isinstance(node, dict):
        for key, value in node.items():
            record_origin(value, (*loc, key), source, origin)


def source_of(loc: Loc, origin: Mapping[Loc, str | None], source: str) -> str:
    """The origin of ``loc`` or of its nearest recorded ancestor; ``source`` if none has one."""
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in origin:
            found = origin[loc[:cut]]
            return source if found is None else found
    return source
