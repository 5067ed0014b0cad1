"""Export writer: simulated leads in the CRM format, read back without loss."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slasim.crm.io.export import export_leads, leads_frame
from slasim.crm.io.importer import read_crm
from slasim.crm.io.schema import COLUMNS
from slasim.engine.records import STATES
from slasim.engine.replication import Replication
from slasim.errors import InputError
from slasim.measure.experiment import simulate
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import Scenario

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"


@pytest.fixture(scope="module")
def week() -> tuple[Scenario, Replication]:
    # A week across the spring DST change in Stockholm (29 March 2026): both offsets occur.
    scenario = load_scenario(BASELINE, ["horizon.start=2026-03-26", "horizon.days=7"])
    result = simulate(scenario, 1, seed=3, keep_records=True)
    assert result.records is not None
    return scenario, result.records[0]


def test_export_reads_back_without_loss(week: tuple[Scenario, Replication], tmp_path: Path) -> None:
    scenario, rep = week
    path = tmp_path / "leads.csv"
    frame = export_leads(scenario, rep, path)
    rec = rep.leads
    assert len(frame) == len(rec) > 100
    assert list(frame.columns) == [c.name for c in COLUMNS if c.name in frame.columns]
    # strict: any row the importer cannot use would raise.
    crm = read_crm(path, timezone="UTC", tiers=list(scenario.tiers), strict=True)
    leads = crm.leads
    assert crm.summary.rows_used == len(rec) and leads["lead_id"].is_unique
    # Times come back as the same instants (rounded to the second), whatever zone they are
    # read in, because every stamp carries its offset.
    cal = scenario.business_calendar()
    t0 = pd.Timestamp(cal.to_local(0.0))
    minutes = (leads["created_at"] - t0).dt.total_seconds().to_numpy() / 60
    assert np.abs(minutes - rec["created"]).max() <= 0.5 / 60
    first = (leads["first_attempt_at"] - t0).dt.total_seconds().to_numpy() / 60
    np.testing.assert_allclose(first, rec["first_attempt"], atol=0.5 / 60)
    assert list(leads["tier"]) == [list(scenario.tiers)[t] for t in rec["tier"]]
    assert (leads["attempts"].to_numpy() == rec["attempts"]).all()
    assert (leads["qualified"].to_numpy(dtype=bool) == rec["qualified"]).all()
    # The owner is the seller of the first attempt; a lead never attempted has none.
    seller = rec["seller"]
    assert (seller >= 0).any() and (seller < 0).any()
    attempted = seller >= 0
    assert (leads["owner"][attempted] == [f"seller-{s + 1}" for s in seller[attempted]]).all()
    assert leads["owner"][~attempted].isna().all()
    # Won / lost / status agree with the engine's final states.
    state = np.array(STATES)[rec["state"]]
    assert (leads["status"].to_numpy() == state).all()
    assert leads["won_at"].notna().sum() == (state == "won").sum()
    assert leads["lost_at"].notna().sum() == (state == "lost").sum()
    won = state == "won"
    np.testing.assert_allclose(leads["deal_value"].to_numpy()[won], rec["value"][won], rtol=1e-6)


def test_timestamps_are_iso_with_offset(week: tuple[Scenario, Replication]) -> None:
    scenario, rep = week
    frame = leads_frame(scenario, rep)
    stamps = frame["created_at"]
    assert stamps.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d").all()
    offsets = {s[-6:] for s in stamps}
    assert offsets == {"+01:00", "+02:00"}  # CET before, CEST after 29 March
    # A first attempt that reached the lead is its contact: the same stamp.
    one = (frame["attempts"] == 1) & (frame["contacted_at"] != "")
    assert one.any() and (frame.loc[one, "contacted_at"] == frame.loc[one, "first_attempt_at"]).all()
    assert re.fullmatch(r"L\d{6}", frame["lead_id"].iloc[0])


def test_export_errors(week: tuple[Scenario, Replication], tmp_path: Path) -> None:
    scenario, rep = week
    other = load_scenario(BASELINE, ["tiers.vip={monthly_volume=1, base_contact=0.5, "
                                     "base_qualify=0.5, opportunity_rate=0.5, win_rate=0.5, "
                                     "deal_size={median=1, p90=2}, "
                                     "sales_cycle_days={median=1, p90=2}}"])
    with pytest.raises(ValueError, match="replication tiers"):
        leads_frame(other, rep)
    with pytest.raises(InputError, match="cannot write the file"):
        export_leads(scenario, rep, tmp_path)  # a folder, not a file
