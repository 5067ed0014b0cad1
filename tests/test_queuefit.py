"""Queue calibration from a call-level export: estimates against a known truth, censoring,
the roster from agent ids, the overlay and the JSON of ``slasim calibrate``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from call_data import Truth, synthetic_calls
from cli_helpers import run_cli
from stat_helpers import assert_pass_rate

from slasim.crm._stats import Estimate
from slasim.crm.calibrate.callarrivals import estimate_call_arrivals
from slasim.crm.calibrate.callroster import estimate_roster, repeat_weeks_before
from slasim.crm.calibrate.durationfit import fit_durations
from slasim.crm.calibrate.queuefit import QueueCalibrator
from slasim.crm.io.calls import read_calls
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import Routing, Team

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
TRUTH = Truth()
#: The seed of the one synthetic month most tests read. Not chosen: each interval check on it
#: is a 95 % interval that misses in 1 of 20 seeds; the patience interval's coverage is tested
#: as a rate over seeds below (test_patience_median_interval_covers_at_its_nominal_rate).
SEED = 0


@pytest.fixture(scope="module")
def fitted() -> QueueCalibrator:
    calls = read_calls(synthetic_calls(TRUTH, SEED), TRUTH.timezone, ["hot", "warm", "cold"])
    return QueueCalibrator(load_scenario(BASELINE)).fit(calls)


def test_patience_is_lognormal_and_its_median_within_the_interval(fitted: QueueCalibrator) -> None:
    fit = fitted.patience_
    assert fit is not None
    assert fit.family == "lognormal", fit.candidates
    assert fit.median.ci_low <= TRUTH.patience_median <= fit.median.ci_high, fit.median
    # ~2,000 hang-ups: the interval is narrow (a useless +-50 % interval would also cover).
    assert fit.median.ci_high / fit.median.ci_low < 1.2
    assert fit.mean.ci_low <= TRUTH.patience_mean <= fit.mean.ci_high, fit.mean
    km = fit.kaplan_meier
    assert km is not None
    assert km.median.ci_low <= TRUTH.patience_median <= km.median.ci_high, km.median
    assert "inside Kaplan-Meier's pointwise 95 % band" in fit.gof


def _lognormal_sample(seed: int, n: int = 800) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    s2 = math.log(1 + TRUTH.patience_cv**2)
    patience = rng.lognormal(math.log(TRUTH.patience_mean) - s2 / 2, math.sqrt(s2), n)
    wait = rng.exponential(TRUTH.wait_mean, n) * (rng.random(n) < TRUTH.wait_positive)
    gone = patience < wait
    # Rounded to the second, as exports are.
    return np.round(patience[gone] * 60) / 60, np.round(wait[~gone] * 60) / 60


def test_patience_median_interval_covers_at_its_nominal_rate() -> None:
    # 60 seeds of 800 callers (~200 hang-ups each): passes ~ Binomial(60, 0.95) when the
    # censored fit and its delta-method interval are right; assert_pass_rate fails when the
    # count is below that distribution's 0.001 quantile (an interval too narrow or biased).
    def covers(seed: int) -> bool:
        events, censored = _lognormal_sample(seed)
        fit = fit_durations(events, censored, families=("lognormal",), resolution=1 / 60)
        assert fit is not None
        return bool(fit.median.ci_low <= TRUTH.patience_median <= fit.median.ci_high)

    assert_pass_rate(covers, range(60), 0.95)


def test_ignoring_censoring_would_be_clearly_wrong(fitted: QueueCalibrator) -> None:
    events, censored = _lognormal_sample(SEED, n=8000)
    right = fit_durations(events, censored, families=("lognormal",), resolution=1 / 60)
    naive = fit_durations(events, families=("lognormal",), resolution=1 / 60)
    assert right is not None and naive is not None
    assert right.median.ci_low <= TRUTH.patience_median <= right.median.ci_high
    # Hang-up times alone describe only the callers who gave up within their wait: their
    # median is a fraction of the truth (the patient callers were served first).
    assert naive.median.ci_high < 0.6 * TRUTH.patience_median, naive.median


def test_handling_and_wrapup_family_and_mean(fitted: QueueCalibrator) -> None:
    talk, wrap = fitted.handling_, fitted.wrapup_
    assert talk is not None and wrap is not None
    assert talk.family == "gamma", talk.candidates
    assert wrap.family == "lognormal", wrap.candidates
    assert talk.mean.ci_low <= TRUTH.talk_mean <= talk.mean.ci_high, talk.mean
    assert wrap.mean.ci_low <= TRUTH.wrap_mean <= wrap.mean.ci_high, wrap.mean
    assert talk.cv.ci_low <= TRUTH.talk_cv <= talk.cv.ci_high, talk.cv
    assert "Kolmogorov-Smirnov" in talk.gof and talk.gof_p > 0.01


def test_arrival_volume_and_profile(fitted: QueueCalibrator) -> None:
    by_tier = {a.tier: a for a in fitted.arrivals_}
    months = 28 / (365.25 / 12)
    for tier, share in (("hot", TRUTH.hot_share), ("warm", 1 - TRUTH.hot_share)):
        a = by_tier[tier]
        truth = TRUTH.monthly_volume * share
        # One month's count is Poisson: within 4 standard errors of the truth (fails by chance
        # once in ~16,000 seeds); the 95 % interval's coverage is a rate, tested below.
        assert abs(a.volume.value - truth) < 4 * math.sqrt(truth * months) / months, a.volume
        # Closed hours have no calls; open hours follow the truth's shape (Monday row, each
        # open hour's weight within 25 % of the truth: ~100 calls per cell for warm).
        hours = TRUTH.hour_weights()
        monday = a.matrix[0]
        assert (monday[hours == 0] == 0).all()
        expected = hours / hours.mean() * (1 / ((5 + 2 * TRUTH.weekend) / 7))
        open_ = hours > 0.15
        np.testing.assert_allclose(monday[open_], expected[open_], rtol=0.25)
        assert a.separable  # the truth is separable; the G test should not reject it here
    assert by_tier["cold"].n == 0


def test_volume_interval_covers_at_its_nominal_rate() -> None:
    # Arrival times only (no export): a Poisson count of ~700 calls over 28 days, at the
    # truth's hours. passes ~ Binomial(200, 0.95) when the exact Poisson interval is right; the
    # Garwood interval is conservative, so coverage may exceed 95 % (upper bound not checked).
    hours = TRUTH.hour_weights()
    start = pd.Timestamp("2026-03-02", tz="UTC")
    truth = 25.0 * 28 / 28 * 365.25 / 12  # 25 calls a day

    def covers(seed: int) -> bool:
        rng = np.random.default_rng(seed)
        n = int(rng.poisson(25.0 * 28))
        day = rng.integers(0, 28, n)
        hour = rng.choice(24, size=n, p=hours)
        created = pd.Series(start + pd.to_timedelta(day * 1440 + hour * 60 + 30, unit="min"))
        created.iloc[0] = start + pd.Timedelta(minutes=1)  # the period: all 28 days
        created.iloc[1] = start + pd.Timedelta(days=27, minutes=1)
        (a,) = estimate_call_arrivals(created, np.zeros(n, dtype=np.intp), ["t"],
                                      (start.date(), (start + pd.Timedelta(days=27)).date()))
        return bool(a.volume.ci_low <= truth <= a.volume.ci_high)

    assert_pass_rate(covers, range(200), 0.95)


def test_summary_has_an_interval_and_a_statement_for_every_fitted_estimate(
    fitted: QueueCalibrator,
) -> None:
    s = fitted.summary
    fitted_rows = s[s["parameter"].str.match(r"(patience|handling|wrapup|monthly_volume)")
                    & (s["n"] > 0)]
    assert len(fitted_rows) >= 12
    assert fitted_rows[["ci_low", "ci_high"]].notna().all().all()
    assert (fitted_rows["gof"].str.len() > 20).all()


# -- the roster --------------------------------------------------------------------------------


def _shift_calls(agent: str, day: str, start: str, end: str, rng: np.random.Generator
                 ) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    """Calls back to back (idle pauses of 0-3 min) answered from start + 1 min to end - 1 min."""
    t = pd.Timestamp(f"{day} {start}", tz="Europe/Stockholm") + pd.Timedelta(minutes=1)
    last = pd.Timestamp(f"{day} {start}", tz="Europe/Stockholm") + (
        pd.Timedelta(end + ":00") - pd.Timedelta(start + ":00")) - pd.Timedelta(minutes=1)
    out = []
    while t <= last:
        busy = pd.Timedelta(minutes=float(rng.uniform(3, 8)))
        out.append((agent, t, t + busy))
        t = t + busy + pd.Timedelta(minutes=float(rng.uniform(0, 3)))
    return out


def test_roster_recovers_the_shifts_from_agent_ids() -> None:
    rng = np.random.default_rng(3)
    truth = [
        ("anna", "2026-03-02", "08:00", "12:00"),
        ("anna", "2026-03-02", "13:30", "17:00"),  # a 90-minute lunch: two shifts
        ("bo", "2026-03-02", "12:00", "16:15"),
        ("cai", "2026-03-02", "22:00", "26:00"),  # overnight: split at midnight
    ]
    calls = [c for agent, day, s, e in truth
             for c in _shift_calls(agent, day, s, f"{int(e[:2]):02d}:{e[3:]}", rng)]
    frame = pd.DataFrame(calls, columns=["agent", "answered", "busy_end"])
    roster = estimate_roster(frame["agent"], frame["answered"], frame["busy_end"], 15, 60)
    expected = pd.DataFrame(
        [("anna", "2026-03-02", "08:00", "12:00"), ("bo", "2026-03-02", "12:00", "16:15"),
         ("anna", "2026-03-02", "13:30", "17:00"), ("cai", "2026-03-02", "22:00", "24:00"),
         ("cai", "2026-03-03", "00:00", "02:00")],
        columns=["seller", "date", "start", "end"])
    pd.testing.assert_frame_equal(roster.shifts, expected)
    assert roster.agents == 3
    assert roster.duty_hours == pytest.approx(4 + 3.5 + 4.25 + 4)
    assert 0.6 < roster.occupancy < 1.0


def test_warmup_days_repeat_the_first_week_of_the_roster() -> None:
    shifts = pd.DataFrame(
        [("a", "2026-03-02", "08:00", "12:00"), ("b", "2026-03-03", "09:00", "17:00"),
         ("a", "2026-03-09", "10:00", "11:00")], columns=["seller", "date", "start", "end"])
    out = repeat_weeks_before(shifts, pd.Timestamp("2026-03-02").date(), 8)
    # 8 warm-up days: Feb 22 (Sun) .. Mar 1 (Sun); Mondays Feb 23 copy Mar 2, the Tuesday
    # Feb 24 copies Mar 3; Feb 22 (8 days back) copies Mar 8, the first week's Sunday (none).
    assert out.values.tolist() == [
        ["a", "2026-02-23", "08:00", "12:00"], ["b", "2026-02-24", "09:00", "17:00"],
        *shifts.values.tolist()]
    assert repeat_weeks_before(shifts, pd.Timestamp("2026-03-02").date(), 0) is shifts


def test_a_call_running_past_the_shift_end_adds_no_interval() -> None:
    tz = "Europe/Stockholm"
    # Seconds resolution on purpose: pandas parses these strings to datetime64[s].
    answered = pd.Series(pd.to_datetime(["2026-03-02 08:05", "2026-03-02 15:58"])).dt.tz_localize(tz)
    busy_end = pd.Series(pd.to_datetime(["2026-03-02 08:20", "2026-03-02 16:25"])).dt.tz_localize(tz)
    roster = estimate_roster(pd.Series(["a", "a"]), answered, busy_end, 15, 60 * 8)
    assert roster.shifts[["start", "end"]].values.tolist() == [["08:00", "16:00"]]


# -- the command ---------------------------------------------------------------------------------


def test_calibrate_writes_an_overlay_that_loads_and_a_roster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "calls.csv"
    synthetic_calls(TRUTH, SEED, agents=8).to_csv(export, index=False)
    out = tmp_path / "calibrated.toml"
    code, stdout, err = run_cli(["calibrate", str(export), "--base", str(BASELINE), "--out",
                                 str(out), "--json", str(tmp_path / "cal.json")], capsys)
    assert code == 0, err
    assert "lines in file:" in stdout and "fit: patience: lognormal by AIC" in stdout
    roster = pd.read_csv(tmp_path / "calibrated-roster.csv")
    assert list(roster.columns) == ["seller", "date", "start", "end"]
    assert set(roster["seller"]) == {f"a{k}" for k in range(8)}
    scenario = load_scenario(out)
    payload = json.loads((tmp_path / "cal.json").read_text())
    rows = {(r["parameter"], r["tier"]): r for r in payload["summary"]}
    assert scenario.tiers["warm"].monthly_volume == pytest.approx(
        rows["monthly_volume", "warm"]["estimate"], rel=1e-6)
    matrix = scenario.tiers["hot"].profile.matrix
    assert matrix is not None and len(matrix) == 7 and matrix[0][3] == 0.0
    talk = scenario.team.handling_conversation
    assert (talk.dist, talk.mean_minutes) == ("gamma", pytest.approx(
        rows["handling_conversation.mean", "all"]["estimate"], rel=1e-4))
    text = out.read_text()
    # The fields issue 14 adds are written once this slasim has them, a comment until then.
    if "patience" in Routing.model_fields:
        patience = scenario.routing.patience
        assert patience is not None and patience.dist == "lognormal"
    else:
        assert "not written: this version of slasim has no routing.patience" in text
    if "roster" in Team.model_fields:
        assert 'roster = "calibrated-roster.csv"' in text
    else:
        assert "the estimated roster is in calibrated-roster.csv" in text
    assert payload["patience"]["family"] == "lognormal"
    assert payload["rows_used"] == payload["rows_read"] == len(pd.read_csv(export))


# -- a simulated month through slasim run --export-calls's writer ------------------------------


def test_a_simulated_export_calibrates_back_to_its_scenario() -> None:
    from slasim.crm.io.calls_export import calls_frame
    from slasim.measure.experiment import simulate

    # M/G/10+G 24/7, every attempt a conversation: lognormal patience (mean 2, cv 1.3) and
    # wrap-up (mean 1, cv 0.8), exponential talk of 3.5 min; ~40,000 calls over 14 days.
    truth = load_scenario(ROOT / "scenarios" / "textbook-mmn.toml", [
        "horizon.days=14", "tiers.only.base_contact=1.0", 'decay.contact={kind="flat"}',
        'team.handling_conversation={dist="exponential", mean_minutes=3.5}',
        'team.handling_unanswered={dist="exponential", mean_minutes=3.5}',
        'team.wrapup_conversation={dist="lognormal", mean_minutes=1.0, cv=0.8}',
        'routing.patience={dist="lognormal", mean_minutes=2.0, cv=1.3}',
    ])
    result = simulate(truth, 1, 5, keep_records=True)
    assert result.records is not None
    frame = calls_frame(truth, result.records[0])
    calls = read_calls(frame, "UTC", ["only"])
    assert calls.summary.rows_used == len(frame)
    cal = QueueCalibrator(truth, as_of=pd.Timestamp("2026-01-19", tz="UTC")).fit(calls)

    def near(e: Estimate, value: float) -> bool:
        # Within 3 standard errors on the log scale (the 95 % half-width is 1.96 of them): a
        # correct estimate fails this about 3 times in 1,000 seeds; the 95 % coverage itself is
        # tested as a rate above.
        se = (math.log(e.ci_high) - math.log(e.ci_low)) / (2 * 1.96)
        return abs(math.log(e.value) - math.log(value)) < 3 * se

    assert cal.patience_ is not None and cal.patience_.family == "lognormal"
    assert near(cal.patience_.median, 2.0 / math.sqrt(1 + 1.3**2)), cal.patience_.median
    assert cal.handling_ is not None and near(cal.handling_.mean, 3.5), cal.handling_.mean
    assert cal.wrapup_ is not None and near(cal.wrapup_.mean, 1.0), cal.wrapup_.mean
    (arrivals,) = cal.arrivals_
    assert near(arrivals.volume, truth.tiers["only"].monthly_volume), arrivals.volume
    # Ten sellers on duty around the clock, busy most of the time: the roster from agent ids
    # finds all ten, on duty all 14 days (no idle hour splits a shift at this load).
    roster = cal.roster_
    assert roster is not None and roster.agents == 10
    assert roster.duty_hours == pytest.approx(10 * 24 * 14)


def test_an_export_ending_before_a_closed_weekend_keeps_the_horizon_of_as_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # The docs' loop (run --export-calls, calibrate --as-of, run truth calibrated) failed on a
    # contact centre closed at weekends: the last call was on Friday, so the overlay's horizon
    # had 12 days against the truth's 13 and the two could not be compared. The period runs
    # to --as-of; without it, to the last call's day.
    from cli_helpers import run_cli

    truth = tmp_path / "truth.toml"
    truth.write_text(f'extends = "{(ROOT / "scenarios" / "contact-centre.toml").as_posix()}"\n'
                     "[horizon]\ndays = 13\n", encoding="utf-8")  # Mon 2 to Sat 14 March
    calls = tmp_path / "calls.csv"
    assert run_cli(["run", str(truth), "--reps", "1", "--quiet", "--export-calls", str(calls)],
                   capsys)[0] == 0
    out = tmp_path / "calibrated.toml"
    code, _, err = run_cli(["calibrate", str(calls), "--base", str(truth), "--out", str(out),
                            "--as-of", "2026-03-15T00:00+01:00"], capsys)
    assert code == 0, err
    assert load_scenario(out).horizon == load_scenario(truth).horizon
    code, _, err = run_cli(["run", str(truth), str(out), "--reps", "2", "--quiet"], capsys)
    assert code == 0, err
    code, _, err = run_cli(["calibrate", str(calls), "--base", str(truth), "--out",
                            str(tmp_path / "no-as-of.toml")], capsys)
    assert code == 0 and load_scenario(tmp_path / "no-as-of.toml").horizon.days == 12, err
