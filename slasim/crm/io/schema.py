"""The CRM export format: one row per lead, as a CSV file or a pandas DataFrame.

A CRM export is read by :func:`slasim.crm.io.importer.read_crm`, calibrated by
:class:`slasim.crm.calibrate.calibrator.Calibrator` and written from a simulation by
:func:`slasim.crm.io.export.export_leads`. Only ``lead_id``, ``created_at`` and ``tier`` (or
``source`` with a source -> tier mapping) are required; every other column is optional and
simply unlocks more estimates (e.g. ``first_attempt_at`` + ``contacted_at`` give the contact
decay curve).

Columns (canonical names; ``--map created_at=CreatedDate,tier=Lead Source`` maps a CRM's
own names onto them):

==========================  ===========  ==================================================
column                      type         meaning
==========================  ===========  ==================================================
lead_id                     text         unique id of the lead (duplicates: first kept)
created_at                  timestamp    when the lead asked for contact
tier                        text         agreed lead definition (``hot``, ``warm``, ...)
source                      text         channel / origin; mapped to a tier if no ``tier``
owner                       text         seller who works the lead
first_attempt_at            timestamp    start of the first contact attempt
attempts                    integer      contact attempts made (>= 0)
contacted_at                timestamp    start of the attempt that reached the lead
qualified                   boolean      accepted as SQL (true/false, yes/no, 1/0)
qualified_at                timestamp    when it was qualified (implies ``qualified``)
opportunity                 boolean      became an opportunity
opportunity_at              timestamp    when (implies ``opportunity``)
won_at                      timestamp    deal won
lost_at                     timestamp    deal or lead lost (closed without a win)
deal_value                  number       value of the (won or open) deal (>= 0)
status                      text         free text, e.g. won, lost, nurtured, in_pipeline
conversation_minutes        number       handling minutes of the reaching attempt
unanswered_minutes          number       mean handling minutes of an unanswered attempt
==========================  ===========  ==================================================

Timestamps are ISO-8601 (``2026-04-01 09:30``, ``2026-04-01T09:30:00+02:00``, ``...Z``) or a
``date_format`` given to the importer. A timestamp with an offset is converted to the
export's time zone; one without an offset is local time of that zone; a date without a time
(``2026-04-01``) is recognised and reported, because response times cannot be measured from
it. Booleans are true/false, yes/no or 1/0; a blank ``qualified`` / ``opportunity`` cell means
no (unless the matching ``*_at`` column has a time). Numbers may use a decimal comma in
``;``-separated files.

A row is rejected (and reported with its spreadsheet row number, column, value and reason;
see :class:`REASONS`) when a required value is missing, a value does not parse, attempts or
a number is negative, the first attempt precedes creation, the contact precedes the first
attempt (or creation), a won/lost time precedes creation, a lead is both won and lost, the
tier is unknown, the id repeats an earlier row's, bytes do not decode (or a NUL character
appears), the row has more or fewer fields than the header, a quote opened in the row is not
closed (see :mod:`slasim.crm.io._reader` for when a quoted value may span lines), or a value is
longer than the csv module's field size limit. Comparisons with a date-only value are made by
date.

Hostile values: a number beyond 2**53 (~9.007e15, the largest whole number a float64 holds
exactly; ``99999999999999999999999``, ``1e400``) is rejected as out of range. A date outside
1678-01-01 .. 2261-12-31 (the range of pandas' nanosecond timestamps) is rejected in
``created_at``; in every other timestamp column it is read as blank and counted in a note,
because ``9999-12-31`` and ``0001-01-01`` are the usual "no date" placeholders of CRM exports.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from slasim.errors import InputError

__all__ = [
    "COLUMNS",
    "EMPTY_SOURCE",
    "REASONS",
    "REQUIRED",
    "TIMESTAMP_COLUMNS",
    "Column",
    "check_canonical",
    "column",
    "parse_mapping",
    "parse_source_tiers",
]

Kind = Literal["id", "text", "timestamp", "integer", "number", "boolean"]


@dataclass(frozen=True)
class Column:
    """One canonical column of the CRM export format."""

    name: str
    kind: Kind
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("lead_id", "id", "unique id of the lead"),
    Column("created_at", "timestamp", "when the lead asked for contact"),
    Column("tier", "text", "agreed lead definition, e.g. hot"),
    Column("source", "text", "channel or origin of the lead"),
    Column("owner", "text", "seller who works the lead"),
    Column("first_attempt_at", "timestamp", "start of the first contact attempt"),
    Column("attempts", "integer", "contact attempts made"),
    Column("contacted_at", "timestamp", "start of the attempt that reached the lead"),
    Column("qualified", "boolean", "accepted as a sales-qualified lead"),
    Column("qualified_at", "timestamp", "when the lead was qualified"),
    Column("opportunity", "boolean", "became an opportunity"),
    Column("opportunity_at", "timestamp", "when the opportunity was opened"),
    Column("won_at", "timestamp", "when the deal was won"),
    Column("lost_at", "timestamp", "when the deal or lead was lost"),
    Column("deal_value", "number", "value of the won or open deal"),
    Column("status", "text", "free-text status"),
    Column("conversation_minutes", "number", "handling minutes of the reaching attempt"),
    Column("unanswered_minutes", "number", "mean handling minutes of an unanswered attempt"),
)
"""Every canonical column, in the order they are written."""

#: Columns without which the file cannot be used (``tier`` may come from ``source``).
REQUIRED: tuple[str, ...] = ("lead_id", "created_at", "tier")

TIMESTAMP_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.kind == "timestamp")

_BY_NAME = {c.name: c for c in COLUMNS}


class REASONS:
    """Why a row was rejected (the ``reason`` column of ``CrmImport.rejected``)."""

    MISSING_VALUE = "missing value"
    UNPARSEABLE_DATE = "unparseable date"
    NOT_A_NUMBER = "not a number"
    NOT_A_BOOLEAN = "not a boolean"
    NEGATIVE_ATTEMPTS = "negative attempts"
    NEGATIVE_VALUE = "negative value"
    FIRST_ATTEMPT_BEFORE_CREATION = "first attempt before creation"
    CONTACTED_BEFORE_FIRST_ATTEMPT = "contacted before first attempt"
    CONTACTED_BEFORE_CREATION = "contacted before creation"
    CLOSED_BEFORE_CREATION = "closed before creation"
    WON_AND_LOST = "won and lost"
    UNKNOWN_TIER = "unknown tier"
    DUPLICATE_ID = "duplicate id"
    ENCODING_ERROR = "encoding error"
    WRONG_FIELD_COUNT = "wrong number of fields"
    DATE_OUT_OF_RANGE = "date out of range"
    NUMBER_OUT_OF_RANGE = "number out of range"
    UNCLOSED_QUOTE = "unclosed quote"
    VALUE_TOO_LONG = "value too long"


def column(name: str) -> Column:
    """The canonical column ``name``; ``KeyError`` if there is none."""
    return _BY_NAME[name]


def _unknown_column(name: str, source: str) -> InputError:
    hint = difflib.get_close_matches(name, list(_BY_NAME), n=1)
    did = f"; did you mean {hint[0]!r}?" if hint else ""
    return InputError.single(
        source,
        name,
        f"is not a column of the CRM format{did} Expected one of {', '.join(_BY_NAME)}",
    )


def check_canonical(names: Iterable[str], source: str) -> None:
    """Raise :class:`InputError` (with a did-you-mean) for a name that is not a column."""
    for name in names:
        if name not in _BY_NAME:
            raise _unknown_column(name, source)


def parse_mapping(items: Iterable[str], source: str = "--map") -> tuple[tuple[str, str], ...]:
    """Parse ``--map`` options into ``(canonical, file column)`` pairs.

    Each item holds one or more comma-separated ``canonical=File Column`` pairs, e.g.
    ``"created_at=CreatedDate,tier=Lead Source"`` (spaces inside a file column are kept).

    Raises
    ------
    InputError
        For a pair without ``=``, an unknown canonical name, or a name mapped twice.
    """
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or not key or not value:
                raise InputError.single(
                    source, part.strip(),
                    "expected CANONICAL=FILE_COLUMN, e.g. created_at=CreatedDate",
                )
            if key not in _BY_NAME:
                raise _unknown_column(key, source)
            if key in seen:
                raise InputError.single(source, key, "is mapped twice; map each column once")
            seen.add(key)
            pairs.append((key, value))
    return tuple(pairs)


#: How an empty source value is written in ``--source-tier`` (an empty string cannot be).
EMPTY_SOURCE = "(empty)"


def parse_source_tiers(
    items: Iterable[str], source: str = "--source-tier"
) -> tuple[tuple[str, str], ...]:
    """Parse ``--source-tier TIER=SRC1,SRC2`` options into ``(source, tier)`` pairs.

    ``(empty)`` stands for a blank source value. A source may map to one tier only.
    """
    pairs: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for item in items:
        tier, sep, sources = item.partition("=")
        tier = tier.strip()
        if not sep or not tier or not sources.strip():
            raise InputError.single(
                source, item, "expected TIER=SOURCE[,SOURCE...], e.g. warm=paid_search,organic"
            )
        for raw in sources.split(","):
            name = raw.strip()
            if not name:
                continue
            if "=" in name:
                # "hot=a,warm=b" read warm=b as a source of hot (6,414 of Olist's 8,000 rows
                # were then rejected): one option per tier.
                raise InputError.single(
                    source, item, f"source {name!r} holds '='; expected one --source-tier per "
                    f"tier, e.g. --source-tier {tier}={sources.split(',')[0].strip()} "
                    f"--source-tier {name}",
                )
            value = "" if name == EMPTY_SOURCE else name
            if value in seen and seen[value] != tier:
                raise InputError.single(
                    source, name, f"is mapped to both {seen[value]!r} and {tier!r}"
                )
            seen[value] = tier
            pairs.append((value, tier))
    return tuple(pairs)
