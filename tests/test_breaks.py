"""team.breaks: breaks by rule, staggered across sellers; check, plan and the simulation see
the same available time."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slasim.engine.breaks import shrinkage_breaks, shrinkage_breaks_each, working_intervals
from slasim.engine.compile import prepare
from slasim.engine.replication import _seller_intervals, run_replication
from slasim.engine.staff import effective_shrinkage, staffing
from slasim.planning.check import check_scenario
from slasim.planning.plan import plan_scenario
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import Breaks, Scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
RULE = Breaks(every_minutes=120, minutes=15, stagger_minutes=10)


def _scenario(breaks: Breaks | None, shrinkage: float = 0.0) -> Scenario:
    """Baseline: one shift 08:00-17:00 (540 min), 6 sellers; 14 days from 2026-04-01."""
    base = load_scenario(BASELINE)
    team = base.team.model_copy(update={"breaks": breaks, "shrinkage": shrinkage})
    horizon = base.horizon.model_copy(update={"days": 14})
    return base.model_copy(update={"team": team, "horizon": horizon})


def test_available_minutes_are_the_shift_less_the_breaks_exactly() -> None:
    scenario = _scenario(RULE)
    days = len(staffing(scenario).group_days[0])
    assert days == 8  # 1-14 April 2026: ten weekdays less Good Friday and Easter Monday
    rep = run_replication(prepare(scenario), np.random.SeedSequence(2))
    # Seller k's breaks start at 08:00 + (10 k) + 120 j. Offsets 0..40 fit four breaks in a
    # 540-minute day (the 4th ends at 8:00 + 40 + 480 + 15 < 17:00), offset 50 only three (the
    # 4th would end at 17:05, after the shift): 480 and 495 working minutes a day.
    expected = [days * (540.0 - 60.0)] * 5 + [days * (540.0 - 45.0)]
    assert rep.sellers["available_minutes"].tolist() == expected


def test_breaks_are_staggered_and_the_engine_uses_them() -> None:
    scenario = _scenario(Breaks(every_minutes=120, minutes=15, stagger_minutes=20))
    model = prepare(scenario)
    staff = staffing(scenario)
    engine = _seller_intervals(model, np.random.SeedSequence(0))
    day0 = float(staff.group_days[0][0, 0])  # 2026-04-01 08:00
    starts = []
    for s in range(6):
        iv = working_intervals(staff.seller_days[s], scenario.team.breaks, s)
        assert engine[s] == [tuple(x) for x in iv.tolist()]
        first = iv[iv[:, 0] < day0 + 540]  # the first day's working pieces
        starts.append((first[:-1, 1] - day0).tolist())  # break starts on the first day
    # n = ceil(120 / 20) = 6 offsets: 0, 20, ..., 100 minutes.
    for k, s in enumerate(starts):
        assert s[:3] == [120.0 + 20 * k, 240.0 + 20 * k, 360.0 + 20 * k]
    # Breaks of 15 minutes 20 minutes apart: nobody is on break with anybody else.
    spans = sorted((b, b + 15.0) for s in starts for b in s)
    assert all(b0 <= a1 for (_, b0), (a1, _) in itertools.pairwise(spans))


def test_stagger_cycles_after_every_minutes() -> None:
    rule = Breaks(every_minutes=60, minutes=10, stagger_minutes=25)  # n = ceil(60/25) = 3
    day = np.array([[0.0, 480.0]])
    first = [float(working_intervals(day, rule, s)[0, 1]) for s in range(7)]
    assert first == [60.0, 85.0, 110.0, 60.0, 85.0, 110.0, 60.0]
    together = Breaks(every_minutes=60, minutes=10)
    assert {float(working_intervals(day, together, s)[0, 1]) for s in range(5)} == {60.0}


@pytest.mark.parametrize("shrinkage", [0.0, 0.25])
def test_check_capacity_matches_the_simulated_available_minutes(shrinkage: float) -> None:
    scenario = _scenario(RULE, shrinkage)
    rep = run_replication(prepare(scenario), np.random.SeedSequence(7))
    check = check_scenario(scenario)
    # Shrinkage removes exactly its share of every working piece (in random blocks), so the
    # totals agree to rounding.
    assert check.shifts["seller_hours_available"].sum() * 60 == pytest.approx(
        rep.sellers["available_minutes"].sum(), rel=1e-12
    )
    duty = 6 * 8 * 540.0
    assert effective_shrinkage(scenario) == pytest.approx(
        1 - rep.sellers["available_minutes"].sum() / duty, rel=1e-12
    )


def test_plan_with_breaks_is_plan_with_their_share_as_shrinkage() -> None:
    with_breaks = _scenario(RULE, 0.1)
    share = effective_shrinkage(with_breaks)
    # 5 sellers lose 60 of 540 minutes, one 45; then 10 % of what is left.
    assert share == pytest.approx(1 - (5 * 480 + 495) / (6 * 540) * 0.9, rel=1e-12)
    plain = _scenario(None, share)
    a, b = plan_scenario(with_breaks), plan_scenario(plain)
    pd.testing.assert_frame_equal(a.shifts, b.shifts)
    pd.testing.assert_frame_equal(a.hourly, b.hourly)


def test_breaks_must_be_shorter_than_the_work_between_them() -> None:
    with pytest.raises(ValueError, match=r"minutes\(=60\) must be below every_minutes\(=60\)"):
        Breaks(every_minutes=60, minutes=60)


@pytest.mark.parametrize("shrinkage", [0.05, 0.3, 0.97])
def test_shrinkage_of_several_sellers_in_one_pass_is_each_sellers_own(shrinkage: float) -> None:
    # The engine cuts a shift's sellers in one pass: the same pieces, bit for bit, as one
    # call per seller with the same generator; days of different lengths, one touching the next.
    days = np.array([[0.0, 480.0], [480.0, 600.0], [1440.0, 1455.5], [2880.0, 3400.25]])
    seeds = [11, 12, 13]
    alone = [shrinkage_breaks(days, shrinkage, np.random.default_rng(s)) for s in seeds]
    together = shrinkage_breaks_each(days, shrinkage, [np.random.default_rng(s) for s in seeds])
    assert len(together) == 3
    for a, b in zip(alone, together, strict=True):
        np.testing.assert_array_equal(a, b)
    assert shrinkage_breaks_each(days, shrinkage, []) == []


def test_every_seller_of_every_shift_gets_its_own_shrinkage_stream() -> None:
    # _seller_intervals cuts a shift's sellers in one pass: the result must be what one
    # shrinkage_breaks call per seller, on that seller's own stream (shift, rank), gives - with
    # two shifts of different days, so a mix-up of sellers, shifts or ranks shows.
    from slasim.engine.breaks import merge_touching
    from slasim.engine.replication import _stream

    scenario = load_scenario(BASELINE, [
        "team.shrinkage=0.3",
        'team.shifts=[{name="day", weekdays=["mon","tue","wed","thu","fri"], start="08:00",'
        ' end="17:00", sellers=3}, {name="late", weekdays=["mon","wed","sat"],'
        ' start="12:00", end="20:30", sellers=2}]',
    ])
    model = prepare(scenario)
    seed = np.random.SeedSequence(5)
    got = _seller_intervals(model, seed)
    want = [
        merge_touching(shrinkage_breaks(
            model.shift_days[j], model.shrinkage, _stream(seed, "shrinkage", j, rank)))
        for j, rank in zip(model.seller_shift.tolist(), model.seller_rank.tolist(), strict=True)
    ]
    assert sorted(model.seller_shift.tolist()) == [0, 0, 0, 1, 1]
    assert got == want
    assert len({tuple(ivs) for ivs in got}) == 5  # every seller's breaks differ
