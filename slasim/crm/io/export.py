"""Write simulated leads in the CRM export format, so the measure loop can be tested end to end.

``export_leads(scenario, replication, "leads.csv")`` writes one row per simulated lead with the
columns of :mod:`slasim.crm.io.schema`: ISO-8601 timestamps with the offset of the scenario's
time zone (rounded to the second), the tier, the owner, the funnel flags and the deal
value. Reading the file back with :func:`slasim.crm.read_crm` gives the same leads.

How engine records map to CRM columns:

- ``owner``: ``seller-K``, the simulated owner (``K`` = the engine's seat index + 1, seats
  listed shift by shift): the seller who made the first attempt, or with
  ``routing.owner = "round_robin"`` / ``"weighted"`` the seat the lead was assigned to at
  creation (also when it was never attempted); empty (unassigned) for a lead without one;
- ``first_attempt_at``: start of the first attempt; ``contacted_at``: start of the attempt
  that reached the lead (the same instant when the first attempt did);
- ``qualified_at`` (and ``opportunity``): the engine decides both at contact, so
  ``qualified_at = contacted_at``;
- ``won_at`` / ``lost_at``: the close time of won / lost leads (a lead lost before becoming
  an opportunity is lost at contact); nurtured, open and waiting leads have neither, their
  ``status`` says which;
- ``deal_value``: value of won deals and of opportunities still open at the horizon end.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from slasim.engine.records import STATES
from slasim.engine.replication import Replication
from slasim.errors import InputError
from slasim.outputs import write_csv
from slasim.scenario.schema import Scenario

__all__ = ["export_leads", "leads_frame", "local_stamps", "replication_frame", "write_export"]

_COLUMNS = [
    "lead_id", "created_at", "tier", "owner", "first_attempt_at", "attempts", "contacted_at",
    "qualified", "qualified_at", "opportunity", "won_at", "lost_at", "deal_value", "status",
]


def local_stamps(minutes: npt.NDArray[np.float64], start: datetime, tz: str) -> list[str]:
    """ISO-8601 local timestamps (with offset) of simulation minutes, to the second; "" for NaN.

    ``start`` is the local time of simulation minute 0, ``tz`` the scenario's time zone.
    """
    seconds = np.round(start.timestamp() + np.asarray(minutes, dtype=np.float64) * 60.0)
    utc = pd.to_datetime(pd.Series(seconds), unit="s", utc=True)
    local = utc.dt.tz_convert(tz)
    # Vectorised: the wall time as text in numpy, then the few distinct UTC offsets appended
    # (Timestamp.isoformat per value took ~2 s for a month of calls, 4 columns).
    wall = local.dt.tz_localize(None)
    text = np.datetime_as_string(wall.to_numpy(dtype="datetime64[s]"), unit="s")
    offset = (wall - utc.dt.tz_localize(None)).dt.total_seconds().to_numpy()
    out = np.full(len(seconds), "", dtype=object)
    ok = ~np.isnan(seconds)
    for value in np.unique(offset[ok]):
        sel = ok & (offset == value)
        if value % 60:  # a pre-1900 local mean time offset in seconds: isoformat writes those
            out[sel] = [s.isoformat() for s in local[sel]]
            continue
        sign, minutes_east = ("+" if value >= 0 else "-"), int(abs(value)) // 60
        out[sel] = np.char.add(text[sel], f"{sign}{minutes_east // 60:02d}:{minutes_east % 60:02d}")
    return list(out)


def replication_frame(
    scenario: Scenario, replication: Replication
) -> tuple[list[str], npt.NDArray[np.void], str, datetime]:
    """What an export of ``replication`` needs: tier names, lead records, the time zone and
    the local time of simulation minute 0 -- after checking the replication is the scenario's.
    """
    names = list(scenario.tiers)
    if list(replication.tier_names) != names:
        raise ValueError(
            f"replication tiers {list(replication.tier_names)} differ from the scenario's "
            f"{names}; export a replication with the scenario that produced it"
        )
    return (names, replication.leads, scenario.horizon.timezone,
            scenario.business_calendar().to_local(0.0))


def leads_frame(scenario: Scenario, replication: Replication, id_prefix: str = "L") -> pd.DataFrame:
    """The leads of one replication as a CRM-format DataFrame (all values as text).

    Parameters
    ----------
    scenario
        The scenario that was simulated (time zone, horizon start, tier names).
    replication
        One replication, e.g. ``simulate(..., keep_records=True).records[0]``.
    id_prefix
        Prefix of the lead ids (``L000001``, ...).
    """
    names, rec, tz, start = replication_frame(scenario, replication)
    n = len(rec)
    state = rec["state"].astype(np.intp)
    won = state == STATES.index("won")
    lost = state == STATES.index("lost")
    qualified = rec["qualified"].astype(bool)
    value = rec["value"]

    def flag(values: npt.NDArray[np.bool_]) -> list[str]:
        return ["true" if v else "false" for v in values.tolist()]

    width = max(6, len(str(n)))
    owner = [f"seller-{s + 1}" if s >= 0 else "" for s in rec["owner"].tolist()]
    frame = pd.DataFrame({
        "lead_id": [f"{id_prefix}{i + 1:0{width}d}" for i in range(n)],
        "created_at": local_stamps(rec["created"], start, tz),
        "tier": [names[t] for t in rec["tier"].tolist()],
        "owner": owner,
        "first_attempt_at": local_stamps(rec["first_attempt"], start, tz),
        "attempts": rec["attempts"].astype(int).tolist(),
        "contacted_at": local_stamps(rec["contacted"], start, tz),
        "qualified": flag(qualified),
        "qualified_at": local_stamps(np.where(qualified, rec["contacted"], np.nan), start, tz),
        "opportunity": flag(rec["opportunity"].astype(bool)),
        "won_at": local_stamps(np.where(won, rec["closed"], np.nan), start, tz),
        "lost_at": local_stamps(np.where(lost, rec["closed"], np.nan), start, tz),
        "deal_value": ["" if v <= 0 else f"{v:.2f}" for v in value.tolist()],
        "status": [STATES[s] for s in state.tolist()],
    })
    return frame[_COLUMNS]


def export_leads(
    scenario: Scenario, replication: Replication, path: str | Path, id_prefix: str = "L"
) -> pd.DataFrame:
    """Write the leads of one replication to ``path`` as a CRM CSV export; return the frame.

    The file is written atomically, text cells that a spreadsheet would run as a formula
    neutralised (:func:`slasim.outputs.write_csv`); the returned frame is as built.

    Raises
    ------
    InputError
        If the file cannot be written.
    """
    return write_export(leads_frame(scenario, replication, id_prefix), path)


def write_export(frame: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """Write an export table as CSV (atomically); an unwritable path is an InputError."""
    try:
        write_csv(frame, path)
    except OSError as exc:
        # pandas raises a bare OSError (strerror None) for a missing folder: show its text.
        reason = exc.strerror or exc
        raise InputError.single(str(path), "", f"cannot write the file ({reason})") from None
    return frame
