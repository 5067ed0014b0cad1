"""The call-level (or attempt-level) contact-centre export format: its columns, reasons and
``--map``; :func:`slasim.crm.io.calls.read_calls` reads it.

The format (CSV, UTF-8, header row; a pandas DataFrame with the same columns works too):

=================  ========  ========================================================
column             required  meaning
=================  ========  ========================================================
``call_id``        no        any id; a repeated id is rejected (the first row is kept)
``lead_id``        no        several rows with one ``lead_id`` = an attempt-level
                             export: the first row by ``created``, then ``answered``,
                             is the lead's first attempt (arrivals and patience); every
                             row counts for handling, wrap-up and the roster
``tier``           no        tier name (the base scenario's only tier if absent)
``created``        yes       arrival, ISO-8601 with a UTC offset or local time of the
                             export's zone (``2026-03-02T09:15:07+01:00``)
``answered``       no        start of service; empty if never served
``ended``          no        end of service (talk); for an abandoned call the hang-up
``wrapup_ended``   no        end of after-call work
``abandoned``      yes       yes/no (true/false, 1/0)
``agent``          no        agent / seller id
``conversation``   no        this call's conversation number with the lead (1, 2,
                             ...); empty if the call was not a conversation
``outcome``        no        how that conversation ended: ``qualified``,
                             ``disqualified`` or ``undecided`` (empty = undecided);
                             only on conversation rows
=================  ========  ========================================================

``conversation`` and ``outcome`` come together (one without the other is an input error): they
let ``calibrate`` fit the leads' propensity spread (:mod:`slasim.crm.calibrate.propensityfit`). A
value
that is not a whole number from 1 to 1,000, an unknown outcome, an outcome on a row without a
conversation number, or a conversation on a row that was not answered stops the import with
exit code 2 naming the file, row, column, value and what was expected (rather than rejecting
the row: the row still counts for arrivals and handling, and a coding the reader does not
know is a mapping to fix, not a bad row).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slasim.crm.io.schema import REASONS
from slasim.errors import InputError

__all__ = [
    "ALL_TIERS",
    "CALL_COLUMNS",
    "CALL_OUTCOMES",
    "CALL_REASONS",
    "CALL_REQUIRED",
    "is_call_header",
    "parse_call_mapping",
    "resolve_call_columns",
]

#: Canonical columns of a call-level export, in the order they are written.
CALL_COLUMNS = ("call_id", "lead_id", "tier", "created", "answered", "ended", "wrapup_ended",
                "abandoned", "agent", "conversation", "outcome")
CALL_REQUIRED = ("created", "abandoned")
#: Outcomes of a conversation (``outcome`` column); empty on a conversation row = undecided.
CALL_OUTCOMES = ("qualified", "disqualified", "undecided")
#: The tier of every call when the export has no tier column and there is no base scenario.
ALL_TIERS = "all"


class CALL_REASONS(REASONS):
    """Why a call row was rejected (the CRM reasons plus the call-level ones)."""

    DATE_WITHOUT_TIME = "date without time"
    ANSWERED_BEFORE_CREATED = "answered before created"
    ENDED_BEFORE_ANSWERED = "ended before answered"
    ENDED_BEFORE_CREATED = "ended before created"
    WRAPUP_BEFORE_END = "wrap-up ended before end"
    WRAPUP_WITHOUT_END = "wrap-up without end"
    ANSWERED_AND_ABANDONED = "answered and abandoned"
    FORMULA = "spreadsheet formula"


def _normalise(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def is_call_header(header: Sequence[str]) -> bool:
    """Whether a header is a call-level export's (``created`` and ``abandoned``, no
    ``created_at``), names compared ignoring case and punctuation."""
    names = {_normalise(h) for h in header}
    return {"created", "abandoned"} <= names and "createdat" not in names



def parse_call_mapping(items: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``--map`` options of a call-level export: ``created=ArrivalTime,agent=Agent Id``.

    Raises
    ------
    InputError
        A pair without ``=``, a name that is not a call column, or a name mapped twice.
    """
    pairs: list[tuple[str, str]] = []
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            key, sep, value = (x.strip() for x in part.partition("="))
            if not sep or not key or not value:
                raise InputError.single("--map", part.strip(), "expected CANONICAL=FILE_COLUMN, "
                                        "e.g. created=ArrivalTime")
            if key not in CALL_COLUMNS:
                raise InputError.single("--map", key, "is not a column of the call-level "
                                        f"format; expected one of {', '.join(CALL_COLUMNS)}")
            if any(k == key for k, _ in pairs):
                raise InputError.single("--map", key, "is mapped twice; map each column once")
            pairs.append((key, value))
    return tuple(pairs)


def resolve_call_columns(
    header: Sequence[str], mapping: Mapping[str, str], source: str
) -> dict[str, str]:
    """Canonical call column -> file column, from ``mapping``, exact names, then loose matches.

    Raises
    ------
    InputError
        A mapped name that is not a call column or not in the header, or a required column
        missing.
    """
    for key, value in mapping.items():
        if key not in CALL_COLUMNS:
            raise InputError.single(
                "--map", key, f"is not a column of the call-level format; expected one of "
                f"{', '.join(CALL_COLUMNS)}",
            )
        if value not in header:
            raise InputError.single(
                source, f"--map {key}={value}",
                f"column {value!r} is not in the file; the header has {list(header)}",
            )
    loose = {_normalise(h): h for h in header}
    found = {}
    for name in CALL_COLUMNS:
        if name in mapping:
            found[name] = mapping[name]
        elif name in header:
            found[name] = name
        elif _normalise(name) in loose:
            found[name] = loose[_normalise(name)]
    missing = [name for name in CALL_REQUIRED if name not in found]
    if missing:
        raise InputError.single(
            source, f"column {missing[0]!r}",
            f"is missing (required in a call-level export); the columns found are "
            f"{list(header)}; expected {', '.join(CALL_REQUIRED)} (map yours with --map "
            f"{missing[0]}=YOUR_COLUMN)",
        )
    return found
