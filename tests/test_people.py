"""Sellers over time, part 1: hired cohorts and planned leavers (seats, slasim.model.people).

A hire cohort is extra seats working its shift's days from its start date; a shift's
``last_day`` ends its sellers' days. Every consumer (engine, check, plan) reads the seats from
:func:`slasim.engine.staff.staffing`, so the simulated available minutes and check's capacity agree.
Without these fields the records are those of the foundation commit (stored files).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli
from records_regression import check_records

from slasim.engine.compile import prepare
from slasim.engine.replication import run_replication
from slasim.engine.staff import head_count, paid_seller_months, staffing
from slasim.planning.check import check_scenario
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
OLIST = ROOT / "scenarios" / "olist-marketplace.toml"
HIRE = 'team.hires=[{shift="office", start=2026-04-15, sellers=2}]'


def _working_days(scenario: Scenario, first: date, last: date) -> int:
    """Mon-Fri days from ``first`` to ``last`` (inclusive) that are not holidays."""
    closed = set(scenario.holidays())
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    return sum(1 for d in days if d.weekday() < 5 and d not in closed)


def _run(scenario: Scenario, seed: int = 1, loop: str = "fast"):  # type: ignore[no-untyped-def]
    return run_replication(prepare(scenario), np.random.SeedSequence(seed), loop=loop)


def test_a_hire_adds_its_shift_days_from_its_start_and_none_before() -> None:
    base = load_scenario(BASELINE)
    hired = load_scenario(BASELINE, [HIRE])
    plain, rep = _run(base), _run(hired)
    # The baseline office shift: 08:00-17:00 Mon-Fri, shrinkage taken exactly per day.
    per_day = 9 * 60 * (1 - base.team.shrinkage)
    end = base.horizon.start + timedelta(days=base.horizon.days - 1)
    days = _working_days(base, date(2026, 4, 15), end)
    assert days == 12  # 15-30 April 2026, no holiday in it (Easter is 3-6 April)
    assert len(rep.sellers) == 8 and head_count(hired) == 8
    # The six sellers of the shift keep their seats and minutes; the two hires come after.
    np.testing.assert_array_equal(rep.sellers["available_minutes"][:6],
                                  plain.sellers["available_minutes"])
    np.testing.assert_allclose(rep.sellers["available_minutes"][6:], days * per_day, rtol=1e-12)
    assert list(rep.sellers["shift"]) == [0] * 8
    # Nobody hired works before the start: their first attempts all come after its midnight.
    start = hired.business_calendar().local_minute(date(2026, 4, 15), 0)
    by_hire = rep.leads["seller"] >= 6
    assert by_hire.sum() > 50  # they do work (two of eight sellers for half the month)
    assert rep.leads["first_attempt"][by_hire].min() >= start
    # check's capacity is the simulated available time (no randomness in it).
    capacity = sum(r.seller_hours_available for r in check_scenario(hired).shift_rows) * 60
    assert capacity == pytest.approx(float(rep.sellers["available_minutes"].sum()), rel=1e-12)


def test_last_day_ends_a_shifts_days() -> None:
    scenario = load_scenario(BASELINE, ["team.shifts[0].last_day=2026-04-10", HIRE])
    rep = _run(scenario)
    per_day = 9 * 60 * (1 - scenario.team.shrinkage)
    days = _working_days(scenario, scenario.horizon.start, date(2026, 4, 10))
    assert days == 6  # 1, 2, 7, 8, 9, 10 April (Good Friday and Easter Monday are closed)
    np.testing.assert_allclose(rep.sellers["available_minutes"][:6], days * per_day, rtol=1e-12)
    cut = scenario.business_calendar().local_minute(date(2026, 4, 11), 0)
    leavers = (rep.leads["seller"] >= 0) & (rep.leads["seller"] < 6)
    assert leavers.sum() > 50
    assert rep.leads["first_attempt"][leavers].max() < cut
    # After the leavers' last day only the hires take first attempts.
    late = rep.leads["first_attempt"] >= cut
    assert late.sum() > 50 and set(rep.leads["seller"][late].tolist()) == {6, 7}
    capacity = sum(r.seller_hours_available for r in check_scenario(scenario).shift_rows) * 60
    assert capacity == pytest.approx(float(rep.sellers["available_minutes"].sum()), rel=1e-12)


def test_hires_are_paid_from_their_start_and_leavers_up_to_their_last_day() -> None:
    scenario = load_scenario(BASELINE, ["team.shifts[0].last_day=2026-04-10", HIRE])
    # 6 sellers x 10 days (1-10 April) + 2 hires x 16 days (15-30 April), in average months.
    assert paid_seller_months(scenario) == pytest.approx((6 * 10 + 2 * 16) / (365.25 / 12))
    base = load_scenario(BASELINE)
    assert paid_seller_months(base) == 6 * base.horizon.months


def test_staffing_marks_the_seats_that_differ_from_their_shift() -> None:
    assert staffing(load_scenario(BASELINE)).uniform
    staff = staffing(load_scenario(BASELINE, [HIRE]))
    assert not staff.uniform
    assert staff.group_sellers == (8,) and list(staff.seller_rank) == list(range(8))


@pytest.mark.parametrize("loop", ["fast", "python"])
@pytest.mark.parametrize(
    ("name", "path", "seed"),
    [("people-off-baseline-seed3", BASELINE, 3), ("people-off-olist-seed5", OLIST, 5)],
)
def test_records_unchanged_without_people_fields(
    name: str, path: Path, seed: int, loop: str
) -> None:
    # The stored records come from the foundation commit (16d0e6c), before any of these fields.
    rep = _run(load_scenario(path), seed, loop)
    check_records(name, leads=rep.leads, sellers=rep.sellers)


@pytest.mark.parametrize(
    ("override", "pieces"),
    [
        ('team.hires=[{shift="night", start=2026-04-15, sellers=1}]',
         ["team.hires[0].shift(='night')", "expected one of ['office']"]),
        ('team.hires=[{shift="office", start=2026-05-01, sellers=1}]',
         ["team.hires[0].start(=2026-05-01)", "expected a date from 2026-04-01 to 2026-04-30"]),
        ('team.hires=[{shift="office", start=2026-04-15, sellers=0}]',
         ["team.hires[0].sellers", "greater than or equal to 1"]),
        ("team.shifts[0].last_day=2026-03-01",
         ["team.shifts[0].last_day(=2026-03-01)", "expected 2026-04-01 or later"]),
    ],
)
def test_bad_hires_exit_2_naming_the_field(
    override: str, pieces: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["check", str(BASELINE), "--set", override], capsys)
    assert code == 2, err
    for piece in pieces:
        assert piece in err, (piece, err)
    assert "Traceback" not in err


def test_a_roster_scenario_cannot_hire(capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "scenarios" / "contact-centre.toml"
    code, _, err = run_cli(["check", str(path), "--set", HIRE], capsys)
    assert code == 2 and "cannot be combined with team.roster" in err, err
    assert "rows of the roster file" in err
