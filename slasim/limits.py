"""Sane bounds of scenario values and command-line workloads, each with its reason.

A scenario value outside these bounds is a mistake (a typo, a unit slip, a test of the tool's
edges), never a plan: accepting it would overflow the model later (``inf`` profit, ``null`` in
JSON, a date pandas cannot hold, hours of simulation) and end in an internal error instead of
exit code 2. The schema (:mod:`slasim.scenario.schema`), the loader and the CLI read their bounds
here,
so that the docs, the messages and the checks agree.

This module is imported when the CLI starts: it must stay light (standard library only).
"""

from __future__ import annotations

from datetime import date

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "LEADS_PER_SECOND",
    "MAX_EXTENDS_DEPTH",
    "MAX_LEADS_PER_REP",
    "MAX_LINE_CHARS",
    "MAX_MENU_CANDIDATES",
    "MAX_MINUTES",
    "MAX_MONEY",
    "MAX_MONTHLY_VOLUME",
    "MAX_NESTING",
    "MAX_RATIO",
    "MAX_REPS",
    "MAX_SALES_CYCLE_DAYS",
    "MAX_SCENARIO_BYTES",
    "MAX_SCHEDULED_SELLERS",
    "MAX_SELLERS_PER_SHIFT",
    "MAX_SIMULATED_LEADS",
    "MAX_TOTAL_SELLERS",
    "MAX_WARMUP_DAYS",
    "MAX_WEIGHT",
    "MIN_VERIFY_REPS",
    "RECORD_BYTES_PER_LEAD",
    "date_range_text",
]

#: Leads per tier and month: ten times the inbound volume of the largest sales organisations.
MAX_MONTHLY_VOLUME = 10_000_000
#: Any duration in minutes (handling, response targets, spacing, decay): one year, 365 days.
MAX_MINUTES = 525_600
#: Sales cycle length in days (median and p90): ten years.
MAX_SALES_CYCLE_DAYS = 3_650
#: Any amount of money (per lead, per seller-month, deal size, budget): 10^12, far above any
#: company's monthly figures yet small enough that sums over leads and months stay finite.
MAX_MONEY = 1e12
#: Relative arrival weights and multipliers: only ratios matter, and their sums must stay finite.
MAX_WEIGHT = 1e6
#: Other unitless multipliers (negative-binomial dispersion, power-law exponent, holiday
#: factor): 100 is already a month-to-month CV of 1,000 %.
MAX_RATIO = 100.0
#: Sellers on one shift.
MAX_SELLERS_PER_SHIFT = 10_000
#: Sellers a scenario schedules in all (every shift's sellers plus hires, or a roster's): each
#: seller's working days and breaks are held per replication, ~1 kB per seller-day (measured:
#: 10,000 sellers over 30 days took 0.4 GB, over 120 days 1.4 GB), so the longest run (490
#: days) holds ~5 GB, as :data:`MAX_LEADS_PER_REP`. Twenty shifts of 10,000 made ``check``
#: use 10 GB. One shift may still have all of them.
MAX_SCHEDULED_SELLERS = 10_000
#: Sellers in total (``optimize.max_sellers``); the staffing search gives up beyond it (a
#: head count it proposes; a scenario simulates at most :data:`MAX_SCHEDULED_SELLERS`).
MAX_TOTAL_SELLERS = 1_000_000
#: Candidates of one ``[optimize]`` menu: the levels of a tier's volume range ((max - min) /
#: volume_step + 1), or the entries of a term list (response targets x response shares). The
#: screen keeps 5 volume levels anyway and every term is scored on every simulated month of
#: every shortlisted option, so a longer menu only costs memory and time: a volume step of 1
#: over 10^7 held 5 GB before the search began, a step of 10^-6 asked for 73 TiB. 10,000 still
#: lets the default step of 50 span 500,000 leads a month.
MAX_MENU_CANDIDATES = 10_000
#: Warm-up days simulated before the horizon (``horizon.warmup_days``): a queue forgets its
#: empty start within hours to days; a quarter of warm-up is already far more than any needs.
MAX_WARMUP_DAYS = 90
#: Dates: within the span pandas timestamps can hold (1677-09-21 to 2262-04-11), with room for
#: a 400-day horizon and time zone offsets at both ends.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2199, 12, 31)
#: Nesting of tables and arrays in a scenario: the schema needs 5 (tiers.hot.profile.matrix[0][0]);
#: Python's parser and validators recurse once per level and crash near 1,000.
MAX_NESTING = 16

#: Bytes of a scenario file read at most (the reference scenarios are ~10 KB): a device or a
#: pipe named as the scenario (/dev/zero) was read until the machine ran out of memory.
MAX_SCENARIO_BYTES = 10_000_000
#: Characters of one line of a CSV file (CRM export, roster, trace, calls): real rows hold a
#: few thousand at most; a device or binary file without line breaks (/dev/zero) was read
#: until the machine ran out of memory.
MAX_LINE_CHARS = 10_000_000
#: Files in one ``extends`` chain.
MAX_EXTENDS_DEPTH = 32
#: Replications of one command (``--reps``, ``--verify-reps``): a 95 % interval is already
#: 0.3 percentage points wide at 100,000; each replication keeps its metrics (~25 kB).
MAX_REPS = 100_000
#: The optimizer's verification needs at least this many fresh months to tell 80 % from 90 %.
MIN_VERIFY_REPS = 30
#: Leads one command may simulate in total (replications x leads per replication x options):
#: about an hour at :data:`LEADS_PER_SECOND`.
MAX_SIMULATED_LEADS = 100_000_000
#: Simulation speed of one worker on a laptop, for the estimate in the refusal message.
LEADS_PER_SECOND = 30_000
#: Memory of one replication's per-lead records while it runs.
RECORD_BYTES_PER_LEAD = 1_000
#: Leads of one replication: its records are held in memory together (~5 GB).
MAX_LEADS_PER_REP = 5_000_000


def date_range_text() -> str:
    """``"a date from 1900-01-01 to 2199-12-31"``: what a date field expects."""
    return f"a date from {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}"
