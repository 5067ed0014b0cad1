"""A horizon of several months is judged month by month (slasim.measure.months, metrics.month_metrics,
verdict.judge_months); a horizon of at most 31 days exactly as before."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

from slasim.engine.records import LEAD_DTYPE, STATES
from slasim.measure.executors import metric_columns
from slasim.measure.experiment import simulate
from slasim.measure.metrics import MetricContext, month_metrics
from slasim.measure.months import (
    attempts_unmeasured,
    month_column,
    months_of,
    short_period,
    unmeasured_terms,
)
from slasim.measure.quarter import month_rows, revenue_rows
from slasim.measure.terms import TERMS
from slasim.measure.verdict import judge, judge_months
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
QUARTER = ("horizon.start=2027-01-01", "horizon.days=90")
DAY = 1440.0


def test_months_of_cuts_at_local_midnights_and_labels_partial_months() -> None:
    assert months_of(date(2026, 4, 1), 31, "Europe/Stockholm") == ()  # one period: as before
    jan, feb, mar = months_of(date(2027, 1, 1), 90, "Europe/Stockholm")
    assert (jan.key, feb.key, mar.key) == ("2027-01", "2027-02", "2027-03")
    # Real elapsed minutes: 28 March 2027 has 23 local hours in Stockholm.
    assert (jan.start, jan.end, feb.end, mar.end) == (0.0, 31 * DAY, 59 * DAY, 90 * DAY - 60)
    assert not any(m.partial for m in (jan, feb, mar))
    assert feb.label() == "Feb 2027" and feb.label("sv") == "feb 2027"
    # Mid-month start, across the spring DST change (Europe/Stockholm, 28 March 2027: 23 h).
    first, middle, last = months_of(date(2027, 2, 15), 60, "Europe/Stockholm")
    assert first.partial and first.days == 14 and first.label() == "Feb 2027 (15\u201328, partial)"
    assert not middle.partial and middle.days == 31
    assert last.partial and last.days == 15 and last.last == date(2027, 4, 15)
    assert middle.end - middle.start == 31 * DAY - 60  # March has a 23-hour day
    assert last.end == 60 * DAY - 60


def _records() -> np.ndarray:
    """Six leads of Jan-Feb 2027 (Europe/Stockholm, no DST change: a local day is 1440 min)."""
    rows = np.zeros(6, dtype=LEAD_DTYPE)
    for name in ("first_attempt", "response_business", "contacted", "closed", "abandoned",
                 "first_end", "first_wrapup_end"):
        rows[name] = np.nan
    won, lost, nurtured = (STATES.index(s) for s in ("won", "lost", "nurtured"))

    def lead(i: int, tier: int, created: float, **fields: float) -> None:
        rows[i]["tier"], rows[i]["created"] = tier, created
        for key, value in fields.items():
            rows[i][key] = value

    t1, t2 = 4 * DAY + 600, 9 * DAY + 600  # Tue 5 Jan 10:00, Sun 10 Jan 10:00
    # Two hot leads in January, never reached after 6 attempts, the first one in time.
    lead(0, 0, t1, first_attempt=t1 + 2, response_business=2, attempts=6, state=nurtured)
    lead(1, 0, t2, first_attempt=t2 + 3, response_business=3, attempts=6, state=nurtured)
    # Fri 29 Jan 16:58, first called Mon 1 Feb 08:05 (7 business minutes: late), qualified
    # then and won on 20 Feb. At January's close it was waiting with its deadline (Mon 08:03)
    # still ahead: January's response share leaves it out; it is not yet qualified then.
    t3 = 28 * DAY + 16 * 60 + 58
    feb1 = 31 * DAY + 8 * 60 + 5
    lead(2, 0, t3, first_attempt=feb1, response_business=7, attempts=1, contacted=feb1,
         qualified=True, opportunity=True, state=won, closed=50 * DAY, value=100.0)
    # A hot lead of February, called after an hour (late), qualified, lost.
    t4 = 40 * DAY + 600
    lead(3, 0, t4, first_attempt=t4 + 60, response_business=60, attempts=1, contacted=t4 + 60,
         qualified=True, state=lost, closed=t4 + 60)
    # A cold lead won in January; a warm one created in February.
    lead(4, 2, 2 * DAY + 600, first_attempt=2 * DAY + 610, response_business=10, attempts=1,
         contacted=2 * DAY + 610, qualified=True, opportunity=True, state=won,
         closed=24 * DAY, value=50.0)
    lead(5, 1, 45 * DAY, state=STATES.index("waiting"))
    return rows


def test_monthly_flags_on_hand_built_records_are_exact() -> None:
    scenario = load_scenario(BASELINE, ["horizon.start=2027-01-01", "horizon.days=59",
                                        "sla.tiers.hot.quota=2"])
    ctx = MetricContext.from_scenario(scenario)
    got = month_metrics(_records(), ctx)
    jan, feb = "hot@2027-01", "hot@2027-02"
    # Quota 2 a month, pro rata: January 2 x 31 / 30.44 = 2.04 (3 leads: met), February
    # 2 x 28 / 30.44 = 1.84 (1 lead: missed).
    assert got[("leads_created", jan)] == 3 and got[("marketing_met", jan)] == 1
    assert got[("leads_created", feb)] == 1 and got[("marketing_met", feb)] == 0
    # Response: January 2 of 2 decided leads in time (the third is censored at the close);
    # February's one lead late.
    assert got[("response_met", jan)] == 1 and got[("response_met", feb)] == 0
    # Attempts: both January leads whose window closed got 6; February has none to judge.
    assert got[("attempts_met", jan)] == 1 and got[("attempts_met", feb)] == 1
    # Conversion (target 25 %): at January's close none of its 3 leads is qualified yet.
    assert got[("conversion_met", jan)] == 0 and got[("conversion_met", feb)] == 1
    assert got[("sales_met", jan)] == 0 and got[("sales_met", feb)] == 0
    # Revenue by close date: the cold deal in January, the hot one in February.
    assert got[("revenue", "all@2027-01")] == 50 and got[("revenue", "cold@2027-01")] == 50
    assert got[("revenue", "all@2027-02")] == 100 and got[("won_deals", feb)] == 1
    assert got[("won_deals", "all@2027-01")] == 1
    # Period-wide monthly flags: a term over all tiers only when every tier meets it (warm and
    # cold miss their quotas of hundreds).
    assert got[("marketing_met", "all@2027-01")] == 0
    assert got[("response_met", "all@2027-01")] == 1


def test_a_one_month_horizon_is_judged_exactly_as_before() -> None:
    for overrides in ([], ["horizon.start=2026-04-15", "horizon.days=31"]):
        scenario = load_scenario(BASELINE, overrides)
        ctx = MetricContext.from_scenario(scenario)
        assert ctx.months == ()
        assert not any("@" in tier for _, tier in metric_columns(ctx))
    result = simulate(load_scenario(BASELINE), reps=4, seed=3)
    assert result.verdict.months == ()
    assert "months" not in result.to_dict()
    tiers = tuple(result.scenario.sla.tiers)
    flags = {(t.flag, tier): result.replications[(t.flag, tier)].to_numpy()
             for t in TERMS for tier in tiers}
    assert result.verdict == judge(flags, tiers, 0.8, "side")


@pytest.fixture(scope="module")
def quarter() -> object:
    scenario = load_scenario(BASELINE, [*QUARTER, "team.shifts[0].sellers=9"])
    return simulate(scenario, reps=12, seed=5, keep_records=True)


def test_per_month_p_met_is_the_share_of_replications_computed_from_the_records(
    quarter: object,
) -> None:
    result = quarter
    assert result.records is not None
    months = months_of(date(2027, 1, 1), 90, "Europe/Stockholm")
    verdict = result.verdict
    assert [m.key for m in verdict.months] == ["2027-01", "2027-02", "2027-03"]
    sla = result.scenario.sla.tiers
    hot, warm = 0, 1
    every = np.ones(result.reps)
    for i, month in enumerate(months):
        quota, qualify, revenue = [], [], []
        for rep in result.records:
            leads = rep.leads
            inside = (leads["created"] >= month.start) & (leads["created"] < month.end)
            mine = leads[inside & (leads["tier"] == hot)]
            quota.append(len(mine) >= sla["hot"].quota * month.days / (365.25 / 12))
            w = leads[inside & (leads["tier"] == warm)]
            qualified = w["qualified"] & (w["contacted"] <= month.end)
            qualify.append(qualified.sum() / len(w) >= sla["warm"].qualify_rate_target)
            closed = (leads["state"] == STATES.index("won")) & (leads["closed"] >= month.start) \
                & (leads["closed"] < month.end)
            revenue.append(leads["value"][closed].sum())
        terms = {(r.tier, r.term): r.p for r in verdict.months[i].verdict.terms}
        assert terms[("hot", "marketing")] == pytest.approx(np.mean(quota), abs=1e-12)
        assert terms[("warm", "conversion")] == pytest.approx(np.mean(qualify), abs=1e-12)
        column = result.replications[("revenue", month_column("all", month))].to_numpy()
        np.testing.assert_allclose(column, revenue, rtol=1e-12)
        every *= np.asarray(quota, dtype=float)
    # The quarter: a replication counts only when every month meets.
    whole = {(r.tier, r.term): r.p for r in verdict.terms}
    assert whole[("hot", "marketing")] == pytest.approx(every.mean(), abs=1e-12)
    assert verdict.realistic == all(m.verdict.realistic for m in verdict.months)
    # Revenue of the horizon = the months' (every won deal closes in one of them).
    rows = revenue_rows(result)
    assert rows[-1].mean == pytest.approx(sum(r.mean for r in rows[:-1]), rel=1e-9)
    assert [r.label for r in month_rows(verdict)][-3:] == ["marketing", "sales", "both sides"]


def test_judge_months_realistic_only_when_every_month_is() -> None:
    ok = {("response_met", "hot"): np.array([1, 1, 1, 1, 0])}
    weak = {("response_met", "hot"): np.array([1, 1, 0, 1, 0])}
    v = judge_months([("2027-01", {"en": "Jan", "sv": "jan"}, ok),
                      ("2027-02", {"en": "Feb", "sv": "feb"}, weak)], ("hot",), 0.8, "term")
    assert [m.verdict.realistic for m in v.months] == [True, False]
    assert not v.realistic
    assert v.terms[0].p == pytest.approx(0.6)  # kept in both months: replications 0, 1, 3
    assert [r.month for r in v.failing] == ["2027-02"]
    assert v.sentence().startswith("Not realistic: Feb: ")
    both = judge_months([("2027-01", {"en": "Jan", "sv": "jan"}, ok)] * 2, ("hot",), 0.8, "term")
    assert both.realistic and "Jan" in both.sentence() and "jan" in both.sentence("sv")
    assert json.loads(json.dumps(both.to_dict()))["months"][0]["month"] == "2027-01"


def test_run_json_and_text_show_the_monthly_verdict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run.json"
    args = [str(BASELINE), "--reps", "6", "--seed", "2", "--quiet",
            *(x for s in QUARTER for x in ("--set", s))]
    code, text, _ = run_cli(["run", *args, "--json", str(out)], capsys)
    assert code == 0
    doc = json.loads(out.read_text())
    assert [m["month"] for m in doc["months"]] == ["2027-01", "2027-02", "2027-03"]
    assert doc["sla"]["verdict"].removesuffix(".") in text
    assert "P(term met) per month" in text and "Revenue of deals won" in text
    total = doc["revenue_won"]["mean"]
    assert total == pytest.approx(sum(m["revenue_won"]["mean"] for m in doc["months"]))
    assert total == pytest.approx(doc["metrics"]["revenue"]["mean"])


def test_report_states_the_terms_of_each_month_and_the_monthly_verdict(
    quarter: object,
) -> None:
    from slasim.render.report.build import build_report

    result = quarter
    scenario = result.scenario
    for lang in ("en", "sv"):
        report = build_report(scenario, reps=result.reps, seed=result.seed, lang=lang,
                              staffing=False)
        text = report.markdown
        # The same verdict as run's on the same replications (one judge).
        assert result.verdict.sentence(lang) in text
        names = [m.labels[lang] for m in result.verdict.months]
        assert all(f"| {name} |" in text or f" {name} |" in text for name in names)
        # The agreement: each month's hot quota, pro rata (140 x 31 / 30.44 = 143; Feb 129).
        assert "| hot | " in text and " 143 | 129 | 143 |" in text
        figures = [b.name for b in report.blocks if hasattr(b, "png")]
        assert "months_p_met" in figures and "revenue_won" in figures
    # The period's flag columns are "met in every month" (what the verdict calls every month).
    whole = {(r.tier, r.term): r.p for r in result.verdict.terms}
    assert result.replications[("marketing_met", "hot")].mean() == pytest.approx(
        whole[("hot", "marketing")], abs=1e-12)


def test_optimize_refuses_to_choose_terms_for_several_months(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(["optimize", str(BASELINE), "--quiet",
                            *(x for s in QUARTER for x in ("--set", s))], capsys)
    assert code == 2
    assert "horizon.days" in err and "got 90 days" in err and "month by month" in err


@pytest.mark.parametrize(("level", "marked"), [
    ("side", {"marketing", "sales"}), ("joint", {"both sides"}), ("term", set()),
])
def test_month_rows_mark_only_the_sides_the_level_judges(level: str, marked: set[str]) -> None:
    # A month whose marketing and sales each keep their terms in 8 of 10 months but not in the
    # same months: both sides together 60 %. At level "side" the month is realistic, and the
    # table marked "both sides 60 % !" under "realistic when every month is" (the reviewer's
    # quarter at 85 %: "both sides 82 % !" next to "Realistic"). A side carries a mark (True or
    # False) only where the level judges it; the terms' own marks stay.
    flags = {("marketing_met", "hot"): np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
             ("response_met", "hot"): np.array([0, 0, 1, 1, 1, 1, 1, 1, 1, 1])}
    month = ("2027-01", {"en": "Jan", "sv": "jan"}, flags)
    verdict = judge_months([month, month], ("hot",), 0.8, level)
    rows = {r.label: r for r in month_rows(verdict)}
    assert rows["both sides"].p == (0.6, 0.6)
    for side in ("marketing", "sales", "both sides"):
        assert all((ok is not None) == (side in marked) for ok in rows[side].met), side
    assert rows["both sides"].met[0] is (False if level == "joint" else None)
    assert verdict.realistic == (level != "joint")
    assert rows["hot quota"].met == (True, True)


@pytest.mark.parametrize(("days", "expected"), [(1, 1), (7, 7), (27, 27), (28, 0), (31, 0)])
def test_a_horizon_shorter_than_february_is_a_short_period(days: int, expected: int) -> None:
    # February (28 days) is the shortest month: a 28-day horizon is still called a month.
    assert short_period(days) == expected


@pytest.mark.parametrize(("overrides", "expected"), [
    (["horizon.days=7"], ("attempts",)),  # a 10-day window never closes inside a week
    (["horizon.days=10"], ("attempts",)),  # as long as the horizon: none closes before its end
    (["horizon.days=11"], ()),
    (["horizon.days=7", "cadence.window_days=3"], ()),
    ([], ()),  # the baseline's 30 days
    # January, February and 3 days of March: the short March alone does not make the term
    # unmeasured (January and February measure it); a window of January's 31 days does.
    (["horizon.start=2027-01-01", "horizon.days=62", "cadence.window_days=3"], ()),
    (["horizon.start=2027-01-01", "horizon.days=62", "cadence.window_days=30"], ()),
    (["horizon.start=2027-01-01", "horizon.days=62", "cadence.window_days=31"], ("attempts",)),
    # No tier states an attempt commitment (the default 1 attempt stays unnamed).
    (["horizon.days=7", "sla.tiers.hot={quota=1, response_target_minutes=5}",
      "sla.tiers.warm={quota=1, response_target_minutes=5}",
      "sla.tiers.cold={quota=1, response_target_minutes=5}"], ()),
    (["horizon.days=7", "sla.tiers.hot={quota=1, response_target_minutes=5, min_attempts=1}",
      "sla.tiers.warm={quota=1, response_target_minutes=5}",
      "sla.tiers.cold={quota=1, response_target_minutes=5}"], ("attempts",)),
])
def test_the_attempt_cadence_is_unmeasured_when_no_window_closes(
    overrides: list[str], expected: tuple[str, ...]
) -> None:
    scenario = load_scenario(BASELINE, overrides)
    assert unmeasured_terms(scenario) == expected
    if expected:
        assert "cadence.window_days" in attempts_unmeasured(scenario)


def test_staffing_is_charted_by_the_weakest_month_the_verdict_judges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each month keeps the sales side in 4 of 5 replications (80 %: realistic), in different
    # ones, so P(every month) is 3/5. The report's staffing chart drew P(every month) under a
    # dashed 80 % line: a realistic staffing looked short of it.
    import pandas as pd

    from slasim.planning.staffing import StaffingAnswer, judged_p
    from slasim.render.report.staffing import staffing_blocks

    jan = {("response_met", "hot"): np.array([1, 1, 1, 1, 0])}
    feb = {("response_met", "hot"): np.array([1, 1, 1, 0, 1])}
    v = judge_months([("2027-01", {"en": "Jan", "sv": "jan"}, jan),
                      ("2027-02", {"en": "Feb", "sv": "feb"}, feb)], ("hot",), 0.8, "side")
    assert v.realistic and v.p["sales"] == pytest.approx(0.6)
    assert judged_p(v, "sales") == pytest.approx(0.8)
    assert judged_p(judge(jan, ("hot",), 0.8, "side"), "sales") == pytest.approx(0.8)

    levels = pd.DataFrame([{"sellers": "5", "total": 5, "p_marketing": 1.0, "p_sales": 0.6,
                            "p_joint": 0.6, "p_sales_judged": 0.8, "p_joint_judged": 0.8,
                            "realistic": True, "staffing_ok": True, "profit": 1.0}])
    answer = StaffingAnswer("fifo", (5,), levels, (5,), 5, 0, 20, ("office",))
    import slasim.render.plots as plots

    drawn = []
    original = plots.staffing_attainment
    monkeypatch.setattr(plots, "staffing_attainment",
                        lambda frame, **kw: drawn.append(frame) or original(frame, **kw))
    quarter = load_scenario(BASELINE, list(QUARTER))
    (figure,) = [b for b in staffing_blocks([answer], quarter, "en") if hasattr(b, "png")]
    assert "weakest month" in figure.caption
    assert drawn[0].iloc[0, 0] == pytest.approx(0.8)  # the judged chance, not P(every month)
    week = load_scenario(BASELINE, ["horizon.days=7"])
    from dataclasses import replace

    (figure,) = [b for b in staffing_blocks([replace(answer, period_days=7)], week, "sv")
                 if hasattr(b, "png")]
    assert figure.caption.startswith("Andel perioder om 7 dagar")


def test_a_quarter_not_reached_by_staffing_quotes_the_weakest_months_chance() -> None:
    # At the most sellers tried, P(sales keeps every term in every month) is 20 % while its
    # weakest month keeps them in 60 %: the verdict compares 60 % with the confidence, and the
    # answer said "in 20% of months".
    import pandas as pd

    from slasim.measure.verdict import Requirement
    from slasim.planning.staffing import StaffingAnswer

    levels = pd.DataFrame([{"sellers": "60", "total": 60, "p_marketing": 1.0, "p_sales": 0.2,
                            "p_joint": 0.2, "p_sales_judged": 0.6, "p_joint_judged": 0.6,
                            "realistic": False, "staffing_ok": False, "profit": 1.0}])
    miss = Requirement("sales", "hot", "conversion", 0.6, (0.4, 0.8), False, "2027-02")
    answer = StaffingAnswer("fifo", None, levels, (5,), 5, 0, 60, ("office",), (miss,),
                            by_month=True)
    assert "sales keeps every term in 60% of simulated periods in their weakest month" in (
        answer.describe())
    # Just below the confidence the chance keeps its side: "79.8%", not "80%".
    levels.loc[0, "p_sales_judged"] = 0.798
    assert "in 79.8% of simulated periods in their weakest month" in answer.describe()
    # At level term the terms are judged, not the side: the blocking term keeps its side.
    close = Requirement("sales", "hot", "conversion", 0.798, (0.7, 0.87), False, "2027-02")
    term = StaffingAnswer("fifo", None, levels, (5,), 5, 0, 60, ("office",), (close,),
                          level="term", by_month=True)
    # ... and the side's share (not judged at level term) never reads above its term's.
    assert "in 79.8% of simulated periods" in term.describe()
    assert "hot conversion (2027-02) 79.8%" in term.describe()
