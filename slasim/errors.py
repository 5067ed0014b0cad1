"""User-facing input errors.

A user mistake (bad scenario, bad CLI argument, bad CRM file) must end in exit code 2 with a
message naming the file, the field, the bad value and what was expected -- never a traceback.
Everything that detects such a mistake raises :class:`InputError`; the CLI turns it into exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InputError", "Problem"]


@dataclass(frozen=True)
class Problem:
    """One problem in one input file.

    Parameters
    ----------
    source
        The file (or ``--set`` / ``<cli>``) the bad value came from.
    field
        Field path in the file, e.g. ``team.shifts[1].start``; empty for whole-file problems.
    message
        What is wrong and what is expected, including the bad value.
    """

    source: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.field}" if self.field else self.source
        return f"{where}: {self.message}"


class InputError(Exception):
    """Invalid user input; carries one :class:`Problem` per mistake found."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("InputError needs at least one problem.")
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def single(cls, source: str, field: str, message: str) -> InputError:
        """Shortcut for an error with one problem."""
        return cls([Problem(source, field, message)])
