"""Every public result has ``to_dict()`` (plain JSON data) and ``to_frame()`` (its main table).

Each result is built small (a week, a few replications) and its two views are checked against
its own attributes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import slasim.results
from slasim.crm.io.export import export_leads
from slasim.crm.io.importer import read_crm
from slasim.crm.track.tracker import track
from slasim.measure.experiment import SimulationResult, compare, simulate
from slasim.measure.sweeps import sweep
from slasim.measure.verdict import judge_months
from slasim.optimizer import optimize
from slasim.planning.check import check_scenario
from slasim.planning.plan import plan_scenario
from slasim.render.report.build import build_report
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
WEEK = ["horizon.days=7"]


def _json(result: Any) -> dict[str, Any]:
    """``result.to_dict()``, after checking it is strict JSON (no NaN) and survives a trip."""
    data = result.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    return data  # type: ignore[no-any-return]


def _frame(result: Any, rows: int) -> pd.DataFrame:
    """``result.to_frame()``, after checking it is a new, non-empty table of ``rows`` rows."""
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == rows > 0
    assert frame is not result.to_frame()  # a new table each time: editing it changes nothing
    return frame  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def week() -> Scenario:
    return load_scenario(SCENARIOS / "baseline.toml", WEEK)


@pytest.fixture(scope="module")
def run(week: Scenario) -> SimulationResult:
    return simulate(week, reps=4, seed=0, keep_records=True)


@pytest.mark.parametrize("name", slasim.results.__all__)
def test_every_result_class_has_both_views(name: str) -> None:
    cls = getattr(slasim.results, name)
    assert callable(getattr(cls, "to_dict", None)) and callable(getattr(cls, "to_frame", None))


def test_simulation_and_comparison(week: Scenario, run: SimulationResult) -> None:
    assert _json(run)["reps"] == 4
    frame = _frame(run, len(run.summary))
    pd.testing.assert_frame_equal(frame, run.summary)
    frame.loc[0, "mean"] = -1.0
    assert run.summary.loc[0, "mean"] != -1.0  # a copy

    fast = load_scenario(SCENARIOS / "option-fast-response.toml", WEEK)
    comparison = compare([week, fast], reps=3, seed=0)
    data = _json(comparison)
    assert len(data["options"]) == 2 and len(data["differences"]) == len(comparison.differences)
    diffs = _frame(comparison, len(comparison.differences))
    assert set(diffs["option"]) == {fast.name}
    pd.testing.assert_frame_equal(diffs, comparison.differences)


def test_verdict_one_row_per_term(run: SimulationResult) -> None:
    verdict = run.verdict
    assert _json(verdict)["realistic"] is verdict.realistic
    frame = _frame(verdict, len(verdict.terms))
    assert list(frame.columns) == ["month", "side", "tier", "term", "p", "ci_low", "ci_high",
                                   "met"]
    for row, term in zip(frame.itertuples(), verdict.terms, strict=True):
        assert (row.tier, row.term, row.p, row.ci_low, row.met) == (
            term.tier, term.term, term.p, term.ci[0], term.met)


def test_verdict_of_months_adds_each_months_terms() -> None:
    flags = {("response_met", "hot"): np.array([1, 1, 0, 1]),
             ("marketing_met", "hot"): np.array([1, 1, 1, 1])}
    low = {**flags, ("response_met", "hot"): np.array([1, 0, 0, 1])}
    verdict = judge_months([("2027-01", {"en": "Jan"}, flags), ("2027-02", {"en": "Feb"}, low)],
                           ("hot",), 0.7)
    frame = _frame(verdict, 3 * len(verdict.terms))  # the horizon's, then each month's
    assert list(frame["month"]) == ["", "", "2027-01", "2027-01", "2027-02", "2027-02"]
    response = frame[frame["term"] == "response"].set_index("month")["p"]
    assert response.to_dict() == {"": 0.5, "2027-01": 0.75, "2027-02": 0.5}
    _json(verdict)


def test_sweep(week: Scenario) -> None:
    result = sweep(week, ["team.shifts[0].sellers=4,6"], reps=2, seed=0)
    assert [p["values"] for p in _json(result)["points"]] == [
        {"team.shifts[0].sellers": 4}, {"team.shifts[0].sellers": 6}]
    pd.testing.assert_frame_equal(_frame(result, 2), result.table)


def test_check_and_plan(week: Scenario) -> None:
    check = check_scenario(week)
    data = _json(check)
    assert list(data["tiers"]) == list(week.tiers) and data["warnings"] == check.warnings
    frame = _frame(check, len(week.tiers))
    assert list(frame["tier"]) == list(week.tiers)
    assert list(frame["leads_per_month"]) == [r.leads_per_month for r in check.tier_rows]

    plan = plan_scenario(week)
    assert _json(plan)["hours_short"] == plan.hours_short
    frame = _frame(plan, len(plan.shifts))
    assert list(zip(frame["shift"], frame["tier"], strict=True)) == list(plan.shifts.index)


def test_crm_import_and_track(week: Scenario, run: SimulationResult, tmp_path: Path) -> None:
    assert run.records is not None
    export_leads(week, run.records[0], tmp_path / "leads.csv")
    crm = read_crm(tmp_path / "leads.csv", timezone=week.horizon.timezone,
                   tiers=list(week.tiers))
    data = _json(crm)
    assert data["summary"]["rows_used"] == crm.summary.rows_used == len(data["leads"])
    frame = _frame(crm, crm.summary.rows_used)
    assert list(frame["lead_id"]) == list(crm.leads["lead_id"])

    cal = week.business_calendar()
    as_of = pd.Timestamp(cal.to_local(cal.horizon_minutes))
    result = track(crm, week, reps=2, seed=0, as_of=as_of)
    assert len(_json(result)["summary"]) == len(result.summary)
    pd.testing.assert_frame_equal(_frame(result, len(result.summary)), result.summary)


def test_optimize_frontier() -> None:
    scenario = load_scenario(SCENARIOS / "textbook-staffing.toml")
    result = optimize(scenario, seed=0, verify_reps=30, rounds=(5,), staffing=False)
    # The JSON rows are the frame's rows (15 decimals: equal to 1e-15 relative, not 1e-10).
    rows = result.frontier.to_dict(orient="records")
    written = _json(result)["frontier"]
    assert len(written) == len(rows)
    for w, r in zip(written, rows, strict=True):
        assert w.keys() == r.keys()
        for key, value in r.items():
            if isinstance(value, float):
                assert w[key] == pytest.approx(value, rel=1e-15, abs=1e-15, nan_ok=True), key
            else:
                assert w[key] == value, key
    pd.testing.assert_frame_equal(_frame(result, len(result.frontier)), result.frontier)


def test_report_states_its_terms(week: Scenario) -> None:
    report = build_report(week, reps=2, seed=0, staffing=False)
    data = _json(report)
    assert report.verdict is not None
    assert data["scenario"] == week.name and data["verdict"] == report.verdict.to_dict()
    frame = _frame(report, 4 * len(week.sla.tiers))  # every term of every tier with terms
    judged = {(t.tier, t.term): t.p for t in report.verdict.terms}
    for row in frame.itertuples():
        p = judged.get((row.tier, row.term), math.nan)
        assert row.p == p or (math.isnan(row.p) and math.isnan(p))
    assert frame["promise"].str.len().min() > 0
