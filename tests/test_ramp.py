"""Sellers over time, part 2 and 3: the ramp (team.ramp) and attrition (team.attrition).

The handling factor multiplies an attempt's duration in the two Python loops (the compiled
loop does not cover it); the conversion factor multiplies the qualify probability of a lead by
its owner's factor at the contact time; attrition empties a seat from the leave to the
replacement's first working day.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli
from records_regression import check_records

from slasim.engine import jitloop
from slasim.engine.compile import prepare
from slasim.engine.replication import _stream, run_replication
from slasim.engine.tenure import WEEK, seat_factors, turnover
from slasim.planning.check import check_scenario
from slasim.planning.plan import plan_scenario
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import DAYS_PER_MONTH, Scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
#: A Monday hire on the baseline's office shift (April 2026).
HIRE = 'team.hires=[{shift="office", start=2026-04-13, sellers=1}]'
FIXED = [
    'team.handling_conversation={dist="fixed", mean_minutes=15}',
    'team.handling_unanswered={dist="fixed", mean_minutes=3}',
]


def _run(scenario: Scenario, seed: int = 1, loop: str = "fast"):  # type: ignore[no-untyped-def]
    return run_replication(prepare(scenario), np.random.SeedSequence(seed), loop=loop)


def test_seat_factors_step_by_week_of_tenure() -> None:
    f = seat_factors(([2.0, 1.5], [0.5]), [[0.0], [-math.inf], [-math.inf, 3 * WEEK], [0.0, 1.5 * WEEK]])
    assert [f.handling_at(0, t) for t in (0.0, WEEK - 1e-6, WEEK, 2 * WEEK, 9 * WEEK)] == [
        2.0, 2.0, 1.5, 1.0, 1.0,
    ]
    assert [f.handling_at(1, t) for t in (0.0, 50 * WEEK)] == [1.0, 1.0]  # fully ramped
    # A replacement ramps from its own first day.
    assert [f.handling_at(2, t) for t in (2 * WEEK, 3 * WEEK, 4 * WEEK, 5 * WEEK)] == [
        1.0, 2.0, 1.5, 1.0,
    ]
    # A seller who leaves while ramping: the replacement starts again at week 1.
    assert [f.handling_at(3, t) for t in (1.2 * WEEK, 1.5 * WEEK, 2.5 * WEEK)] == [1.5, 2.0, 1.5]
    seats = np.array([0, 0, 1, -1, 2])
    t = np.array([0.5 * WEEK, 1.5 * WEEK, 0.0, 0.0, 3.5 * WEEK])
    np.testing.assert_array_equal(f.conversion_of(seats, t), [0.5, 1.0, 1.0, 1.0, 0.5])
    np.testing.assert_array_equal(f.handling_of(seats, t), [2.0, 1.5, 1.0, 1.0, 2.0])
    assert f.slows and not seat_factors(((), (0.5,)), [[0.0]]).slows


def _people(*extra: str) -> Scenario:
    return load_scenario(
        BASELINE,
        [HIRE, "team.shifts[0].tenure_weeks=1", 'team.ramp={handling_factor=[2.0, 1.5, 1.2], '
         "conversion_factor=[0.4, 0.7]}", *extra],
    )


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["team.attrition={monthly_rate=0.5, replacement_days=5}"],
        ["team.attrition={monthly_rate=0.5}", "team.shrinkage=0.0",
         'team.wrapup_conversation={dist="exponential", mean_minutes=4}', "routing.policy=\"value_index\""],
    ],
)
def test_the_loops_give_identical_records_with_ramp_and_attrition(extra: list[str]) -> None:
    model = prepare(_people(*extra))
    reps = {
        loop: run_replication(model, np.random.SeedSequence(4), loop=loop)
        for loop in ("simpy", "python", "fast")
    }
    ref = reps["simpy"]
    assert ref.leads["qualified"].sum() > 20
    for loop in ("python", "fast"):
        assert reps[loop].leads.tobytes() == ref.leads.tobytes(), loop
        assert reps[loop].sellers.tobytes() == ref.sellers.tobytes(), loop


def test_the_compiled_loop_falls_back_only_for_a_handling_ramp() -> None:
    assert jitloop.covers(prepare(load_scenario(BASELINE)))
    assert not jitloop.covers(prepare(_people()))
    conversion_only = load_scenario(BASELINE, [HIRE, "team.ramp={conversion_factor=[0.5]}"])
    assert jitloop.covers(prepare(conversion_only))
    # Attrition alone changes the seats' intervals, which the compiled loop takes as they are.
    assert jitloop.covers(prepare(load_scenario(BASELINE, ["team.attrition={monthly_rate=0.1}"])))


def test_records_unchanged_with_an_empty_ramp() -> None:
    rep = _run(load_scenario(BASELINE, ["team.ramp={}"]), 3)
    check_records("people-off-baseline-seed3", leads=rep.leads, sellers=rep.sellers)


def _tenure_week(t: np.ndarray, start: float) -> np.ndarray:
    return np.floor((t - start) / (7 * 1440.0)).astype(int)


def test_the_handling_factor_multiplies_each_attempt_of_a_new_seller() -> None:
    scenario = load_scenario(
        BASELINE, [HIRE, *FIXED, "team.ramp={handling_factor=[2.0, 1.5]}"]
    )
    rep = _run(scenario, 2)
    leads = rep.leads
    start = scenario.business_calendar().local_minute(date(2026, 4, 13), 0)
    mine = leads["seller"] == 6
    reached = (leads["attempts"] >= 1) & (leads["contacted"] == leads["first_attempt"])
    base = np.where(reached, 15.0, 3.0)[mine]
    week = _tenure_week(leads["first_attempt"][mine], start)
    factor = np.select([week == 0, week == 1], [2.0, 1.5], 1.0)
    assert {0, 1, 2} <= set(week.tolist())  # every step of the ramp is seen
    duration = (leads["first_wrapup_end"] - leads["first_attempt"])[mine]
    np.testing.assert_allclose(duration, base * factor, rtol=1e-9)
    # The other sellers are fully ramped: their attempts take the fixed durations.
    others = (leads["seller"] >= 0) & ~mine
    np.testing.assert_allclose(
        (leads["first_wrapup_end"] - leads["first_attempt"])[others],
        np.where(reached, 15.0, 3.0)[others], rtol=1e-9,
    )


def test_tenure_weeks_starts_a_shift_partway_up_its_ramp() -> None:
    scenario = load_scenario(
        BASELINE, [*FIXED, "team.shifts[0].tenure_weeks=1", "team.ramp={handling_factor=[3.0, 2.0]}"]
    )
    leads = _run(scenario, 2).leads
    served = leads["seller"] >= 0
    reached = leads["contacted"] == leads["first_attempt"]
    duration = (leads["first_wrapup_end"] - leads["first_attempt"])[served]
    # Tenure 1 week at the start: week 2 of the ramp (factor 2) for 7 days, then ramped.
    factor = np.where(leads["first_attempt"][served] < 7 * 1440.0, 2.0, 1.0)
    assert factor.min() == 1.0 and factor.max() == 2.0
    np.testing.assert_allclose(duration, np.where(reached, 15.0, 3.0)[served] * factor, rtol=1e-9)


def test_a_zero_conversion_factor_qualifies_none_of_the_owners_leads() -> None:
    scenario = load_scenario(BASELINE, [HIRE, "team.ramp={conversion_factor=[0.0, 0.0]}"])
    leads = _run(scenario, 5).leads
    start = scenario.business_calendar().local_minute(date(2026, 4, 13), 0)
    contacted = ~np.isnan(leads["contacted"])
    early = contacted & (leads["owner"] == 6) & (leads["contacted"] < start + 2 * 7 * 1440.0)
    late = contacted & (leads["owner"] == 6) & ~early
    assert early.sum() > 30 and late.sum() > 15
    assert not leads["qualified"][early].any()
    assert leads["qualified"][late].any() and leads["qualified"][contacted & ~early].any()


def test_the_share_of_seats_with_a_leave_in_a_month_matches_the_hazard() -> None:
    # 300 seats x 3 months (seeds), nobody replaced: a seat has a leaver in the 30 days with
    # p = 1 - exp(-rate * 30 / 30.44). Seats are independent, so the count is binomial:
    # SE = sqrt(p (1 - p) / 900) ~ 0.015 at rate 0.3; 4 SE leaves a false alarm at ~6e-5.
    rate = 0.3
    scenario = load_scenario(
        BASELINE, ["team.shifts[0].sellers=300", f"team.attrition={{monthly_rate={rate}}}"]
    )
    model = prepare(scenario)
    left = np.concatenate([
        run_replication(model, np.random.SeedSequence(seed)).sellers["leavers"] for seed in range(3)
    ])
    assert set(left.tolist()) <= {0, 1}  # not replaced: a seat empties once at most
    p = 1 - math.exp(-rate * scenario.horizon.days / DAYS_PER_MONTH)
    se = math.sqrt(p * (1 - p) / left.size)
    assert abs(left.mean() - p) < 4 * se, (left.mean(), p, se)


def test_a_replacement_starts_replacement_days_after_the_leave_on_a_working_day() -> None:
    scenario = load_scenario(
        BASELINE,
        ["team.shrinkage=0.0", "team.attrition={monthly_rate=3.0, replacement_days=4}"],
    )
    model = prepare(scenario)
    seed = np.random.SeedSequence(11)
    rep = run_replication(model, seed)
    cal = model.calendar
    days = [model.shift_days[0]] * model.n_sellers
    turn = turnover(
        [-math.inf] * model.n_sellers, days, cal.day_start, *model.attrition,  # type: ignore[misc]
        lambda s: _stream(seed, "attrition", s),
    )
    closed = set(scenario.holidays())
    replacements = 0
    for s in range(model.n_sellers):
        starts, leaves = turn.starts[s], turn.leaves[s]
        for k, leave in enumerate(leaves[:-1] if len(starts) == len(leaves) else leaves):
            if k + 1 >= len(starts):
                break
            # The leave's local date + 4 days, then the next Mon-Fri day that is not a holiday.
            day = cal.to_local(leave).date() + timedelta(days=4)
            while day.weekday() >= 5 or day in closed:
                day += timedelta(days=1)
            assert starts[k + 1] == cal.local_minute(day, 0), (s, k)
            replacements += 1
        # The seat works exactly its days while occupied: [start_k, leave_k) of each occupant.
        occupied = list(zip(starts, leaves, strict=True))
        want = sum(
            max(0.0, min(b, y) - max(a, x))
            for a, b in days[s].tolist() for x, y in occupied
        )
        assert rep.sellers["available_minutes"][s] == pytest.approx(want, rel=1e-12)
        assert rep.sellers["leavers"][s] == sum(v < math.inf for v in leaves)
    assert replacements >= 6  # rate 3 per month: about three per seat in April


def _capacity(scenario: Scenario) -> float:
    return sum(r.seller_hours_available for r in check_scenario(scenario).shift_rows) * 60


def test_check_counts_a_ramping_hire_at_its_productive_share() -> None:
    # No randomness in who works when: check's capacity is the simulated available minutes,
    # the hire's divided by its handling factor of each day's tenure week (it does 1/2, then
    # 2/3 of a ramped seller's work per minute).
    hf = [2.0, 1.5]
    scenario = load_scenario(BASELINE, [HIRE, f"team.ramp={{handling_factor={hf}}}"])
    rep = _run(scenario)
    per_day = 9 * 60 * (1 - scenario.team.shrinkage)
    closed = set(scenario.holidays())
    hire = 0.0
    for k in range(18):  # 13-30 April
        day = date(2026, 4, 13) + timedelta(days=k)
        if day.weekday() < 5 and day not in closed:
            hire += per_day / ([*hf, 1.0][min(k // 7, 2)])
    want = float(rep.sellers["available_minutes"][:6].sum()) + hire
    assert _capacity(scenario) == pytest.approx(want, rel=1e-12)
    row = check_scenario(scenario).shift_rows[0]
    assert row.effective_sellers < 7 * (1 - scenario.team.shrinkage)


@pytest.mark.parametrize("replacement", ["", ", replacement_days=10"])
def test_check_capacity_is_the_expected_available_time_under_attrition(replacement: str) -> None:
    # check uses the expected occupied share (the renewal equation, replacements joining
    # replacement_days after a leave); the simulation's mean available minutes over 40
    # months must agree within 4 SE of that mean (the months are independent).
    scenario = load_scenario(
        BASELINE, ["horizon.days=91", f"team.attrition={{monthly_rate=0.5{replacement}}}"]
    )
    model = prepare(scenario)
    seen = np.array([
        run_replication(model, np.random.SeedSequence(s)).sellers["available_minutes"].sum()
        for s in range(40)
    ])
    se = seen.std(ddof=1) / math.sqrt(seen.size)
    assert abs(_capacity(scenario) - seen.mean()) < 4 * se, (_capacity(scenario), seen.mean(), se)
    # Below the team without attrition: some seats stand empty.
    assert _capacity(scenario) < _capacity(load_scenario(BASELINE, ["horizon.days=91"]))


def test_follow_up_conversations_take_the_handling_ramp_in_both_loops() -> None:
    scenario = load_scenario(
        BASELINE,
        [HIRE, "cadence.max_conversations=3", "team.ramp={handling_factor=[2.0, 1.5, 1.2]}",
         "team.attrition={monthly_rate=0.5, replacement_days=5}"],
    )
    model = prepare(scenario)
    ref = run_replication(model, np.random.SeedSequence(6), loop="simpy")
    assert (ref.leads["conversations"] > 1).sum() > 20
    for loop in ("python", "fast"):
        rep = run_replication(model, np.random.SeedSequence(6), loop=loop)
        assert rep.leads.tobytes() == ref.leads.tobytes(), loop
        assert rep.sellers.tobytes() == ref.sellers.tobytes(), loop
    # The ramp slows the hire's follow-ups too: the seat is busier than without the ramp.
    plain = load_scenario(BASELINE, [HIRE, "cadence.max_conversations=3"])
    assert ref.sellers["busy_minutes"][6] > _run(plain, 6).sellers["busy_minutes"][6]


def test_a_conversion_ramp_with_follow_up_conversations_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_cli(
        ["check", str(BASELINE), "--set", "cadence.max_conversations=3",
         "--set", 'team.ramp="default"'], capsys,
    )
    assert code == 2 and "max_conversations(=3)" in err and "handling_factor only" in err, err


def test_plan_staffs_with_the_expected_productive_sellers() -> None:
    hires = 'team.hires=[{shift="office", start=2026-04-13, sellers=2}]'

    def scheduled(*overrides: str) -> float:
        shifts = plan_scenario(load_scenario(BASELINE, list(overrides))).shifts
        return float(shifts["sellers_scheduled"].iloc[0])

    assert scheduled() == 6.0
    # Two hires from 13 April: on duty on 14 of the 20 working days, 6 + 2 x 14 / 20.
    assert scheduled(hires) == pytest.approx(6 + 2 * 14 / 20)
    # Ramping, they count less; nobody leaving keeps the team whole, attrition does not.
    assert 6.0 < scheduled(hires, 'team.ramp="default"') < 6 + 2 * 14 / 20
    rate = 0.5  # the expected share still there over April, exp(-rate * t) averaged
    kept = scheduled(f"team.attrition={{monthly_rate={rate}}}") / 6
    assert kept == pytest.approx(
        np.mean(np.exp(-rate * np.arange(0.5, 30) / DAYS_PER_MONTH)), abs=0.02
    )
