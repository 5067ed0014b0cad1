"""Write a simulated period as a call-level export, the format contact centres and dialers give.

``export_calls(scenario, replication, "calls.csv")`` writes one row per simulated lead: its
first attempt (the engine keeps no record of later attempts), with the columns of
:data:`CALL_COLUMNS`. Times are ISO-8601 local times with the UTC offset of the scenario's time
zone, rounded to the second (``2026-03-02T09:15:07+01:00``), as :func:`slasim.crm.io.export.
export_leads` writes them.

How engine records map to the columns:

- ``call_id``: the lead's index (leads in creation order, from 0);
- ``created``: the lead's creation (the call's arrival in the queue);
- ``answered``: start of the first attempt (a seller took the lead); empty if never;
- ``ended``: end of the first attempt's talk; for an abandoned lead the time it left the
  queue (its patience ran out); empty if neither;
- ``wrapup_ended``: end of the first attempt's after-call work, the same instant as
  ``ended`` when the scenario has no wrap-up; empty if the lead was never answered;
- ``abandoned``: ``yes`` or ``no``;
- ``agent``: ``seller-K``, the seller who made the first attempt (the engine's seat index
  + 1, seats listed shift by shift, as the CRM export's ``owner``: a first attempt is always
  made by the lead's owner, so an answered call's agent is its lead's owner); empty if never;
- ``conversation``: the number of conversations held with the lead (the row stands for the
  lead's last conversation: the engine keeps the times of the first attempt only); empty if
  never reached;
- ``outcome``: how that last conversation left the lead: ``qualified``, ``disqualified`` (closed
  lost there; with ``cadence.max_conversations = 1`` every reached lead that did not qualify)
  or ``undecided`` (waiting for a follow-up at the horizon end, or sent to nurture when its
  conversations ran out); empty if never reached.

A lead neither answered nor abandoned by the horizon end is still waiting (or was sent to
nurture by ``routing.age_cutoff_minutes``): its row has ``created`` and ``abandoned = no`` only.
An attempt still running at the horizon end has its true end, after the horizon.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from slasim.crm.io.export import local_stamps, replication_frame, write_export
from slasim.engine.records import STATES
from slasim.engine.replication import Replication
from slasim.scenario.schema import Scenario

__all__ = ["CALL_COLUMNS", "calls_frame", "export_calls"]

#: The columns of a call-level export, in file order.
CALL_COLUMNS: tuple[str, ...] = (
    "call_id", "tier", "created", "answered", "ended", "wrapup_ended", "abandoned", "agent",
    "conversation", "outcome",
)


def calls_frame(scenario: Scenario, replication: Replication) -> pd.DataFrame:
    """The leads of one replication as a call-level DataFrame, one row per lead (text cells).

    Parameters
    ----------
    scenario
        The scenario that was simulated (time zone, horizon start, tier names).
    replication
        One replication, e.g. ``simulate(..., keep_records=True).records[0]``.
    """
    names, rec, tz, start = replication_frame(scenario, replication)
    abandoned = ~np.isnan(rec["abandoned"])
    frame = pd.DataFrame({
        "call_id": np.arange(len(rec)),
        "tier": [names[t] for t in rec["tier"].tolist()],
        "created": local_stamps(rec["created"], start, tz),
        "answered": local_stamps(rec["first_attempt"], start, tz),
        # An abandoned lead had no attempt (first_end is NaN): its call ends when it hangs up.
        "ended": local_stamps(np.where(abandoned, rec["abandoned"], rec["first_end"]), start, tz),
        "wrapup_ended": local_stamps(rec["first_wrapup_end"], start, tz),
        "abandoned": np.where(abandoned, "yes", "no"),
        "agent": [f"seller-{s + 1}" if s >= 0 else "" for s in rec["seller"].tolist()],
        "conversation": [str(c) if c > 0 else "" for c in rec["conversations"].tolist()],
        "outcome": _outcomes(rec),
    })
    return frame[list(CALL_COLUMNS)]


def _outcomes(rec: np.ndarray) -> np.ndarray:
    """``qualified`` / ``disqualified`` / ``undecided`` per reached lead, empty otherwise."""
    lost = rec["state"] == STATES.index("lost")
    return np.where(
        rec["conversations"] == 0, "",
        np.where(rec["qualified"], "qualified", np.where(lost, "disqualified", "undecided")),
    )


def export_calls(scenario: Scenario, replication: Replication, path: str | Path) -> pd.DataFrame:
    """Write the leads of one replication to ``path`` as a call-level CSV; return the frame.

    The file is written atomically (:func:`slasim.outputs.write_csv`); the returned frame is as
    built.

    Raises
    ------
    InputError
        If the file cannot be written.
    """
    return write_export(calls_frame(scenario, replication), path)
