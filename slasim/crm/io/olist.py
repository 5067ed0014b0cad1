"""Adapter: the public Olist marketing-funnel files -> the CRM export format.

The "Marketing Funnel by Olist" data set (Kaggle, CC BY-NC-SA 4.0; not shipped with slasim)
has two files:

- ``olist_marketing_qualified_leads_dataset.csv``: ``mql_id``, ``first_contact_date`` (a date
  without time), ``landing_page_id``, ``origin`` (the marketing channel);
- ``olist_closed_deals_dataset.csv``: one row per won deal: ``mql_id``, ``sdr_id``,
  ``won_date`` (a timestamp), ...

:func:`read_olist` joins them on ``mql_id`` into one row per lead: ``lead_id`` = ``mql_id``,
``created_at`` = ``first_contact_date``, ``source`` = ``origin`` (blank when missing),
``owner`` = the SDR of won deals, ``won_at`` = ``won_date``. The export has no contact,
qualification, opportunity, lost or value information, so only volumes, the weekday pattern,
lead -> won conversion and the creation -> won time can be measured from it. Map origins to
tiers with :data:`OLIST_SOURCE_TIERS` (the grouping of ``scenarios/olist-marketplace.toml``)::

    frame = read_olist("data/olist")
    crm = read_crm(frame, timezone="America/Sao_Paulo", tiers=["hot", "warm", "cold"],
                   source_tiers=OLIST_SOURCE_TIERS)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from slasim.errors import InputError

__all__ = ["DEALS_FILE", "LEADS_FILE", "OLIST_SOURCE_TIERS", "read_olist"]

LEADS_FILE = "olist_marketing_qualified_leads_dataset.csv"
DEALS_FILE = "olist_closed_deals_dataset.csv"

#: Origin -> tier, as grouped in scenarios/olist-marketplace.toml by 2018 lead -> won rate.
OLIST_SOURCE_TIERS: Mapping[str, str] = MappingProxyType({
    "unknown": "hot",
    "": "hot",  # origin missing in the file
    "paid_search": "warm",
    "organic_search": "warm",
    "direct_traffic": "warm",
    "referral": "warm",
    "social": "cold",
    "email": "cold",
    "display": "cold",
    "other": "cold",
    "other_publicities": "cold",
})

#: Deal records start in December 2017: outcomes of earlier leads are truncated differently.
DEFAULT_FROM = date(2018, 1, 1)


def _read(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError.single(str(path), "", "file not found (an Olist data file)") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError.single(
            str(path), f"column {missing[0]!r}",
            f"is missing; the header has {list(frame.columns)}",
        )
    return frame


def read_olist(
    folder: str | Path, created_from: date | None = DEFAULT_FROM, created_to: date | None = None
) -> pd.DataFrame:
    """One row per Olist lead in the CRM export format (all values as text).

    Parameters
    ----------
    folder
        Folder holding :data:`LEADS_FILE` and :data:`DEALS_FILE`.
    created_from, created_to
        Keep leads whose ``first_contact_date`` lies in ``[created_from, created_to]``
        (``None``: no bound). The default starts in 2018: the won-deal records begin in
        December 2017, so the outcomes of 2017 leads are truncated differently.
    """
    folder = Path(folder)
    leads = _read(folder / LEADS_FILE, ("mql_id", "first_contact_date", "origin"))
    deals = _read(folder / DEALS_FILE, ("mql_id", "sdr_id", "won_date"))
    day = pd.to_datetime(leads["first_contact_date"], errors="coerce").dt.date
    keep = pd.Series(True, index=leads.index)
    if created_from is not None:
        keep &= day >= created_from
    if created_to is not None:
        keep &= day <= created_to
    # Unparseable dates are kept so that the importer reports them (nothing disappears).
    keep |= day.isna()
    frame = leads[keep].merge(
        deals[["mql_id", "sdr_id", "won_date"]].drop_duplicates("mql_id"),
        on="mql_id", how="left",
    )
    return pd.DataFrame({
        "lead_id": frame["mql_id"],
        "created_at": frame["first_contact_date"],
        "source": frame["origin"].str.strip(),
        "owner": frame["sdr_id"].fillna(""),
        "won_at": frame["won_date"].fillna(""),
    }).reset_index(drop=True)
