"""Warm start (``horizon.warmup_days``): days simulated before the horizon, then discarded.

The warm-up days run the same model (calendar, arrivals, team, routing) before the horizon
start; their leads take seller time but are in no record, seller minutes count from the start,
and record times stay relative to the start. Without warm-up nothing changes (regression
records). The three event loops agree with warm-up too (tests/test_eventloop.py has warm-up
cases); here: the start-empty bias it removes, the accounting from the start, the arrival
rates, trace replay and the input checks.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli
from records_regression import check_records
from scipy import stats

from slasim.analytic.erlang import mean_wait
from slasim.crm.io.export import export_leads
from slasim.engine.arrivals import arrival_plan, load_trace
from slasim.engine.compile import prepare
from slasim.engine.records import LEAD_DTYPE, TIME_FIELDS
from slasim.engine.replication import run_replication
from slasim.errors import InputError
from slasim.measure.experiment import simulate
from slasim.planning.check import check_scenario
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
TEXTBOOK = ROOT / "scenarios" / "textbook-mmn.toml"
ERLANG_A = ROOT / "scenarios" / "textbook-erlang-a.toml"

#: M/M/10 at rho = 0.95: lambda = 2.375 leads/min, 4-min handling (mu = 0.25), a = 9.5 Erlang.
#: Erlang C = 0.826, E[W] = C / (n mu - lambda) = 6.60 min.
RHO95 = (f"tiers.only.monthly_volume={2.375 * 1440 * 30.4375}", "horizon.days=1")


def first_window_wait(overrides: tuple[str, ...], reps: int, minutes: float) -> np.ndarray:
    """Per replication: mean wait (first attempt - created) of the leads created in the first
    ``minutes`` of the horizon. With one attempt and 24/7 sellers every such lead is served
    within the one-day horizon (checked)."""
    model = prepare(load_scenario(TEXTBOOK, overrides=[*RHO95, *overrides]))
    out = []
    for seed in np.random.SeedSequence(2026).spawn(reps):
        leads = run_replication(model, seed).leads
        early = leads[leads["created"] < minutes]
        assert len(early) > 0 and not np.isnan(early["first_attempt"]).any()
        out.append(float(np.mean(early["first_attempt"] - early["created"])))
    return np.array(out)


def t_halfwidth(x: np.ndarray, alpha: float = 0.001) -> float:
    return float(stats.t.ppf(1 - alpha / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))


# -- no warm-up: nothing changes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "overrides", "seed", "name"),
    [
        (TEXTBOOK, (), 0, "patience-off-textbook-seed0"),
        (BASELINE, (), 0, "split-baseline-seed0"),
        (
            BASELINE,
            ("team.shifts[0].sellers=1", "team.handling_conversation.mean_minutes=60"),
            1,
            "split-baseline-one-seller-long-calls-seed1",
        ),
    ],
)
def test_zero_warmup_days_keep_the_stored_records(
    path: Path, overrides: tuple[str, ...], seed: int, name: str
) -> None:
    # The stored records predate warm-up (tests/records_regression.py: integer fields and NaN
    # patterns exactly, floats to 1e-9); an explicit 0 is the default and must be today's run.
    model = prepare(load_scenario(path, overrides=[*overrides, "horizon.warmup_days=0"]))
    assert model.warmup_minutes == 0.0 and model.run_minutes == model.horizon_minutes
    rep = run_replication(model, np.random.SeedSequence(seed))
    stored = np.load(ROOT / "tests" / "data" / "regression" / f"{name}.npz")
    fields = list(stored["leads"].dtype.names)
    check_records(name, leads=rep.leads[fields],
                  **({"sellers": rep.sellers[list(stored["sellers"].dtype.names)]}
                     if "sellers" in stored.files else {}))


def test_every_float_record_field_is_a_time_or_not() -> None:
    # The warm-up shifts the time fields of the kept records by the warm-up length; a new float
    # field must be classified here (a time from the run start, or a duration/amount), or the
    # records would mix two clocks.
    floats = {n for n in LEAD_DTYPE.names or () if LEAD_DTYPE[n].kind == "f"}
    not_times = {"response_business", "value"}
    assert floats == set(TIME_FIELDS) | not_times, (
        f"float fields {sorted(floats - set(TIME_FIELDS) - not_times)}: add a time (minutes "
        "of the run) to slasim.engine.records.TIME_FIELDS, which the warm-up shifts, or a duration "
        "or amount to not_times here"
    )


# -- the start-empty bias --------------------------------------------------------------------


def test_warmup_removes_the_start_empty_bias_of_a_busy_queue() -> None:
    # M/M/10 at rho = 0.95, a one-day horizon, the leads of the first 30 minutes. Their waits
    # are strongly correlated within a replication (30 min is short against the queue's
    # relaxation time ~ 1 / (mu (sqrt(n) - sqrt(a))^2) ~ 10 h), so each replication gives one
    # mean and the t-interval runs over the 400 independent replications.
    truth = mean_wait(10, 9.5, 0.25)
    assert truth == pytest.approx(6.6047, abs=1e-4)
    cold = first_window_wait((), 400, 30.0)
    # Started empty the queue has barely formed: measured 0.93 +- 0.06 (SE) min, far below
    # the steady state's 6.6; a quarter of it is a wide margin even with the 99.9 % interval.
    assert cold.mean() + t_halfwidth(cold) < 0.25 * truth, cold.mean()
    # Three days of warm-up are ~7 relaxation times: the residual bias (~e^-7 of the 5.7-min
    # gap) is far below the interval. Per-replication sd ~8 min (P(W > 0) = 0.83, waits of
    # those exponential with mean 8 min) -> SE ~0.4 min over 400 replications; the 99.9 %
    # interval (+-1.4 min) must contain Erlang C's mean wait.
    warm = first_window_wait(("horizon.warmup_days=3",), 400, 30.0)
    half = t_halfwidth(warm)
    assert abs(warm.mean() - truth) < half, (warm.mean(), half)
    assert half < 0.25 * truth  # narrow enough to tell 6.6 from the biased 0.9 or from 5


def test_a_long_horizon_barely_moves_with_warmup() -> None:
    # The textbook M/M/10 at rho = 0.8 over 10 days: the queue relaxes within ~40 minutes, so
    # one warm-up day moves the 10-day means by far less than their sampling error. Compared
    # with Welch's 99.9 % interval over 20 + 20 replications (independent streams: the warm-up
    # leads shift lead indices, so the runs are not paired).
    reps = 20
    cold = simulate(load_scenario(TEXTBOOK), reps, seed=11)
    warm = simulate(load_scenario(TEXTBOOK, overrides=["horizon.warmup_days=1"]), reps, seed=11)
    for metric in ("response_minutes_mean", "first_attempt_within_target", "seller_utilization"):
        a = cold.replications[(metric, "all")].to_numpy()
        b = warm.replications[(metric, "all")].to_numpy()
        test = stats.ttest_ind(a, b, equal_var=False)
        assert test.pvalue > 0.001, (metric, a.mean(), b.mean())
    # And the level is Erlang C's 0.818 min both ways (the 10-day mean has SE ~0.01 min).
    for result in (cold, warm):
        w = result.replications[("response_minutes_mean", "all")].to_numpy()
        assert abs(w.mean() - mean_wait(10, 8.0, 0.25)) < t_halfwidth(w)
    # The verdict: the same (P(W <= 1 min) = 0.72 >= 50 % in every one of the months).
    assert cold.p_met == warm.p_met == {"p_met_marketing": 1.0, "p_met_sales": 1.0,
                                        "p_met_joint": 1.0}


# -- accounting from the horizon start -------------------------------------------------------


def test_a_24_7_seller_is_available_exactly_the_horizon() -> None:
    model = prepare(load_scenario(TEXTBOOK, overrides=["horizon.days=2",
                                                       "horizon.warmup_days=3"]))
    assert model.warmup_minutes == 3 * 1440.0 and model.run_minutes == 5 * 1440.0
    rep = run_replication(model, np.random.SeedSequence(1))
    assert rep.horizon_minutes == 2 * 1440.0
    assert np.all(rep.sellers["available_minutes"] == 2 * 1440.0)
    # Records: only the horizon's leads, times from its start.
    assert rep.leads["created"].min() >= 0.0 and rep.leads["created"].max() < 2 * 1440.0
    # Utilisation ~0.8 (a = 8 on 10 sellers), not the warm-up's busy time added on top.
    util = rep.sellers["busy_minutes"].sum() / rep.sellers["available_minutes"].sum()
    assert 0.7 < util < 0.9


def test_an_overloaded_seller_is_busy_exactly_from_the_start() -> None:
    # One 24/7 seller, 20 leads per hour of 4-minute work (rho = 1.33): after the warm-up day
    # the seller is never idle, so the busy minutes of the horizon are the horizon, exactly up
    # to rounding -- neither the warm-up's attempts nor the part before the start of the attempt
    # running at midnight may count.
    overrides = [
        "team.shifts[0].sellers=1", "horizon.days=1", "horizon.warmup_days=1",
        f"tiers.only.monthly_volume={(1 / 3) * 1440 * 30.4375}",
    ]
    model = prepare(load_scenario(TEXTBOOK, overrides=overrides))
    for loop in ("fast", "python", "simpy"):
        rep = run_replication(model, np.random.SeedSequence(4), loop=loop)
        (seller,) = rep.sellers
        assert seller["busy_minutes"] == pytest.approx(1440.0, rel=1e-12), loop
        assert seller["overtime_minutes"] == 0.0
    # Started empty, the same seller idles until the first lead and between the first few.
    cold = prepare(load_scenario(TEXTBOOK, overrides=overrides[:-2] + overrides[-1:]))
    assert run_replication(cold, np.random.SeedSequence(4)).sellers["busy_minutes"][0] < 1440.0


def test_shift_minutes_with_breaks_count_from_the_start() -> None:
    # Office shifts with 10 % random breaks: the breaks of the warm-up days differ, but every
    # day loses exactly its share, so the horizon's available minutes are the same.
    cold = run_replication(prepare(load_scenario(BASELINE)), np.random.SeedSequence(0))
    warm = run_replication(
        prepare(load_scenario(BASELINE, overrides=["horizon.warmup_days=5"])),
        np.random.SeedSequence(0),
    )
    np.testing.assert_allclose(
        warm.sellers["available_minutes"], cold.sellers["available_minutes"], rtol=1e-12
    )
    assert np.all(warm.sellers["busy_minutes"] <= warm.sellers["available_minutes"])


def test_overtime_from_an_attempt_before_the_start_counts_only_after_it() -> None:
    # A shift ending at midnight (the horizon start) with hour-long calls: attempts started in
    # the warm-up's last evening run past midnight. Their part after midnight is overtime of
    # the horizon (the seller is off shift), the part before is in no seller minute.
    overrides = [
        "horizon.warmup_days=1", 'team.shifts[0].start="13:00"', 'team.shifts[0].end="24:00"',
        "team.work_holidays=true", "team.shrinkage=0", "team.handling_conversation.mean_minutes=60",
        "team.handling_unanswered.mean_minutes=60",
    ]
    model = prepare(load_scenario(BASELINE, overrides=overrides))
    rep = run_replication(model, np.random.SeedSequence(2))
    s = rep.sellers
    assert np.all(s["busy_minutes"] <= s["available_minutes"] * (1 + 1e-12))
    total = s["busy_minutes"] + s["overtime_minutes"]
    # All handling inside the horizon: at most the seller's wall time in it.
    assert np.all(total <= rep.horizon_minutes)
    assert s["overtime_minutes"].sum() > 0


# -- arrivals --------------------------------------------------------------------------------


def test_warmup_days_arrive_at_the_horizons_rates() -> None:
    # The baseline's weekday x hour profile (not flat) with holidays: the volumes are scaled to
    # the horizon alone, so its slots keep their expected leads, and a warm-up slot has the rate
    # of its hour of week (the 5 warm-up days and the first days of April share weekdays).
    scenario = load_scenario(BASELINE, overrides=["horizon.warmup_days=7"])
    cold = arrival_plan(load_scenario(BASELINE))
    warm = arrival_plan(scenario, warmup=True)
    grid = scenario.business_calendar(warmup=True).hour_grid()
    first = warm.expected.shape[1] - cold.expected.shape[1]
    assert warm.slot_start[first] == prepare(scenario).warmup_minutes
    np.testing.assert_allclose(warm.expected[:, first:], cold.expected, rtol=1e-12)
    how = grid.hour_of_week
    for slot in range(first):
        if grid.is_holiday[slot] or grid.length[slot] != 60.0:
            continue
        same = first + int(np.flatnonzero((how[first:] == how[slot]) & ~grid.is_holiday[first:]
                                          & (grid.length[first:] == 60.0))[0])
        np.testing.assert_allclose(warm.expected[:, slot], warm.expected[:, same], rtol=1e-12)


# -- trace replay ----------------------------------------------------------------------------


def trace_scenario(tmp_path: Path, rows: list[str], warmup: int) -> Path:
    trace = tmp_path / "leads.csv"
    trace.write_text("created_at,tier\n" + "".join(f"{r},only\n" for r in rows), "utf-8")
    path = tmp_path / "trace.toml"
    path.write_text(
        f'extends = "{TEXTBOOK}"\n[horizon]\nstart = 2026-01-05\ndays = 1\n'
        f'warmup_days = {warmup}\n[trace]\npath = "{trace}"\n', "utf-8",
    )
    return path


def test_a_trace_replays_its_own_warmup_rows(tmp_path: Path) -> None:
    # One seller; 30 leads an hour before the start (the warm-up) and one at the start: with
    # fixed 4-minute calls the backlog keeps the seller busy, so the horizon's lead waits.
    before = [f"2026-01-04T23:{m:02d}:00" for m in range(0, 60, 2)]
    path = trace_scenario(tmp_path, [*before, "2026-01-05T00:00:00"], warmup=1)
    overrides = ["team.shifts[0].sellers=1",
                 'team.handling_conversation={dist="fixed", mean_minutes=4}',
                 'team.handling_unanswered={dist="fixed", mean_minutes=4}']
    scenario = load_scenario(path, overrides=overrides)
    assert len(load_trace(scenario, warmup=True)) == 31
    rep = run_replication(prepare(scenario), np.random.SeedSequence(0))
    (lead,) = rep.leads
    assert lead["created"] == 0.0
    # 30 leads of 4 minutes from 23:00: the seller is busy until 01:00; the lead waits 60 min.
    assert lead["first_attempt"] == pytest.approx(60.0, abs=1e-9)
    # Busy in the horizon: the backlog's last hour and the lead's 4 minutes, not the hour before.
    assert rep.sellers["busy_minutes"][0] == pytest.approx(64.0, abs=1e-9)


def test_a_trace_without_warmup_rows_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = trace_scenario(tmp_path, ["2026-01-05T00:10:00"], warmup=2)
    with pytest.raises(InputError, match=r"no row before the horizon start 2026-01-05T00:00"):
        load_trace(load_scenario(path), warmup=True)
    code, _, err = run_cli(["check", str(path)], capsys)
    assert code == 2 and "warmup_days(=2)" in err and "Traceback" not in err


# -- input and commands ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("91", "less than or equal to 90"),
        ("-1", "greater than or equal to 0"),
        ("1.5", "horizon.warmup_days"),
        ('"3"', "horizon.warmup_days"),
    ],
)
def test_bad_warmup_days_exit_2(
    value: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["check", str(BASELINE), "--set", f"horizon.warmup_days={value}"],
                           capsys)
    assert code == 2 and expected in err and "Traceback" not in err, err


def test_a_warmup_may_not_start_before_the_first_date(
    capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["check", str(BASELINE), "--set", "horizon.start=1900-01-10",
                            "--set", "horizon.warmup_days=30"], capsys)
    assert code == 2 and "starts the run on 1899-12-11" in err, err


def test_commands_take_a_scenario_with_warmup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warm = ["--set", "horizon.warmup_days=2"]
    code, out, err = run_cli(["check", str(ERLANG_A), *warm], capsys)
    assert code == 0 and "2026-01-05 + 10 days (UTC) after 2 warm-up days" in out, err
    # plan's queueing theory is the steady state of the horizon: the warm-up changes nothing in
    # it (and --reps simulates the warm-up like run).
    plans = [run_cli(["plan", str(ERLANG_A), "--reps", "0", "--json", "-", *extra], capsys)
             for extra in ([], warm)]
    assert plans[0][0] == plans[1][0] == 0 and plans[0][1] == plans[1][1]
    code, out, err = run_cli(["plan", str(ERLANG_A), "--reps", "3", "--quiet", *warm], capsys)
    assert code == 0, err
    code, out, err = run_cli(["run", str(ERLANG_A), "--reps", "3", "--quiet", *warm], capsys)
    assert code == 0 and "3 replications of 10 days after 2 warm-up days" in out, err
    # optimize: its proposal extends the scenario file, warm-up included.
    base = tmp_path / "warm.toml"
    base.write_text(f'extends = "{TEXTBOOK}"\n[horizon]\ndays = 1\nwarmup_days = 1\n', "utf-8")
    opt = tmp_path / "opt"
    code, out, err = run_cli([
        "optimize", str(base), "--quiet", "--verify-reps", "30", "--out", str(opt),
        "--set", "optimize.sellers.always=[9, 11]",
    ], capsys)
    assert code == 0, err
    assert load_scenario(opt / "proposal.toml").horizon.warmup_days == 1
    code, out, err = run_cli(["report", str(BASELINE), "--reps", "3", "--no-staffing", "--quiet",
                              "--out", str(tmp_path / "r.html"), *warm], capsys)
    assert code == 0, err


def test_track_takes_an_agreement_with_warmup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = load_scenario(BASELINE)
    rep = simulate(scenario, 1, seed=11, keep_records=True).records[0]  # type: ignore[index]
    export_leads(scenario, rep, tmp_path / "leads.csv")
    agreement = tmp_path / "agreement.toml"
    agreement.write_text(f'extends = "{BASELINE}"\n[horizon]\nwarmup_days = 5\n', "utf-8")
    code, out, err = run_cli(
        ["track", str(tmp_path / "leads.csv"), "--agreement", str(agreement), "--period",
         "2026-04", "--as-of", "2026-05-01T00:00:00+02:00", "--reps", "3", "--quiet",
         "--out", str(tmp_path / "out")], capsys)
    assert code == 0 and "2026-04: complete month (30 days)" in out, err


def test_check_notes_the_empty_start_of_a_short_horizon() -> None:
    def notes(*overrides: str) -> str:
        return "\n".join(check_scenario(load_scenario(ERLANG_A, overrides=overrides)).notes)

    assert "horizon.warmup_days is not set: the 2-day period starts empty" in notes(
        "horizon.days=2"
    )
    # Chosen (even 0, the default) or a horizon long enough to outweigh its start: no note.
    assert "warmup_days" not in notes("horizon.days=2", "horizon.warmup_days=0")
    assert "warmup_days" not in notes("horizon.days=2", "horizon.warmup_days=3")
    assert "warmup_days" not in notes("horizon.days=7")
