"""`slasim plan`: the scenario-level analytic answers agree with the formulas they stand on."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slasim.analytic import (
    contact_probability_exponential,
    erlang_c,
    required_sellers,
    service_level,
)
from slasim.analytic.funnel import FunnelTier, forward_funnel
from slasim.cli.main import main
from slasim.errors import InputError
from slasim.planning.plan import plan_scenario
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import DAYS_PER_MONTH

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def test_textbook_plan_is_exactly_erlang_c() -> None:
    # textbook-mmn is one tier, 24/7, one attempt, exponential 4-min handling, 10 sellers, no
    # shrinkage: the pooled per-shift queue IS the M/M/10 queue, so the plan must reproduce
    # Erlang C to rounding (lambda = 2/min, mu = 0.25, A = 8).
    scenario = load_scenario(SCENARIOS / "textbook-mmn.toml")
    plan = plan_scenario(scenario)
    row = plan.shifts.loc[("always", "only")]
    assert row["offered_load_erlang"] == pytest.approx(8.0, rel=1e-9)
    assert row["leads_per_hour"] == pytest.approx(120.0, rel=1e-9)
    assert row["p_wait_now"] == pytest.approx(erlang_c(10, 8.0), rel=1e-9)
    theta = math.log(2) / 1.0  # half-life 1 minute
    expected = contact_probability_exponential(10, 2.0, 0.25, 0.6, theta)
    assert row["contact_first_attempt_now"] == pytest.approx(expected, rel=1e-6)
    need = required_sellers(2.0, 0.25, target_wait=1.0, target_share=0.5)
    assert row["sellers_needed"] == need.sellers
    # Open 24/7 and staffed 24/7 at 10 >= need: no hour of the week is short.
    assert plan.hours_short == 0


def test_reverse_funnel_quotas_reach_the_goal() -> None:
    # The reverse funnel must be the inverse of the forward funnel the plan prints: walk its
    # quotas (leads per tier) forward through the same stage rates and the revenue must come
    # back to goal x marketing share, tier by tier and stage by stage. The stage rates are
    # read off the plan's own forward funnel at today's quotas (funnel_now: contacts/leads,
    # sqls/contacts, ...), so a wrong division in the reverse walk, a rate applied to the wrong
    # stage or a lost revenue share all show up as a mismatch here.
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    plan = plan_scenario(scenario, revenue_goal=3_000_000, marketing_share=0.8)
    assert plan.funnel is not None
    now = plan.funnel_now
    tiers = [
        FunnelTier(
            name=str(name),
            revenue_share=1.0 / len(now),  # not used by the forward funnel
            deal_size=row["revenue"] / row["won"],
            lead_to_contact=row["contacts"] / row["leads"],
            contact_to_sql=row["sqls"] / row["contacts"],
            sql_to_opportunity=row["opportunities"] / row["sqls"],
            opportunity_to_won=row["won"] / row["opportunities"],
        )
        for name, row in now.iterrows()
    ]
    forward = forward_funnel(plan.funnel["leads"].to_dict(), tiers).to_frame()
    assert forward["revenue"].sum() == pytest.approx(2_400_000, rel=1e-9)
    columns = ["revenue", "won", "opportunities", "sqls", "contacts", "leads"]
    np.testing.assert_allclose(forward[columns].to_numpy(), plan.funnel.loc[forward.index, columns]
                               .to_numpy(), rtol=1e-9)
    # Each tier brings its share of the marketing revenue: the shares are the tiers' expected
    # revenue at their monthly volumes (what the plan would earn at forecast volumes).
    volume_revenue = pd.Series(
        {n: t.monthly_volume for n, t in scenario.tiers.items()}
    ) * now["revenue"] / now["leads"]
    np.testing.assert_allclose(
        (forward["revenue"] / 2_400_000).to_numpy(),
        (volume_revenue / volume_revenue.sum()).loc[forward.index].to_numpy(), rtol=1e-9)
    # More revenue per month needs proportionally more leads.
    double = plan_scenario(scenario, revenue_goal=6_000_000, marketing_share=0.8)
    assert double.funnel is not None
    assert (double.funnel["leads"] / plan.funnel["leads"]).to_numpy() == pytest.approx(2.0)


def test_more_sellers_never_lower_first_attempt_contact() -> None:
    # Erlang C waits shrink with n, and decay is non-increasing: contact can only rise.
    values = []
    for n in (5, 6, 8, 12):
        s = load_scenario(SCENARIOS / "baseline.toml", [f"team.shifts[0].sellers={n}"])
        values.append(plan_scenario(s).shifts["contact_first_attempt_now"].to_numpy())
    for lower, higher in itertools.pairwise(values):
        assert (higher >= lower - 1e-12).all()


def test_plan_cli_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan.json"
    code = main(
        ["plan", str(SCENARIOS / "baseline.toml"), "--revenue-goal", "3e6", "--json", str(out),
         "--reps", "0"]
    )
    assert code == 0
    payload = json.loads(out.read_text())
    assert {r["tier"] for r in payload["funnel"]} == {"hot", "warm", "cold"}
    # --json PATH *also* writes the plan: the text is printed as without it (it printed none).
    written = capsys.readouterr().out
    assert main(["plan", str(SCENARIOS / "baseline.toml"), "--revenue-goal", "3e6",
                 "--reps", "0"]) == 0
    text = capsys.readouterr().out
    assert "per shift and tier" in text and "Expected funnel per month" in text
    # The point estimate says what it leaves out (it earns about twice the simulated month).
    assert "It leaves out the hours a lead waits off duty and the qualify decay" in text
    assert written == text


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--revenue-goal", "-5"], "--revenue-goal: got -5.0; expected a finite amount >= 0"),
        (["--marketing-share", "1.5"], "--marketing-share: got 1.5; expected a share in [0, 1]"),
        (["--revenue-goal", "lots"], "invalid float value: 'lots'"),
    ],
)
def test_plan_bad_arguments_exit_2(
    args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", str(SCENARIOS / "baseline.toml"), *args]) == 2
    assert fragment in capsys.readouterr().err


# --- Every column of the plan, on cases queueing theory answers exactly -------------------------

MMN = SCENARIOS / "textbook-mmn.toml"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
THETA = math.log(2) / 1.0  # textbook-mmn: contact half-life 1 minute
OFFICE = '["08:00-17:00"]'
TIER_B = (
    "{ monthly_volume = 1000, base_contact = 0.6, base_qualify = 1.0, opportunity_rate = 1.0, "
    "win_rate = 0.5, deal_size = { median = 1000, p90 = 2000 }, "
    "sales_cycle_days = { median = 1, p90 = 2 } }"
)


def _how(day: str, hour: int) -> int:
    """Row of the hourly table for a weekday and hour."""
    return 24 * WEEKDAYS.index(day) + hour


def test_textbook_plan_with_shrinkage_every_column() -> None:
    # M/M/10, A = 8, 5 % shrinkage: 9.5 sellers on the phones, and half a seller answers no
    # calls, so Erlang C sees n = 9. Every column of the shift row and of the hour-of-week
    # table is a textbook value at n = 9 (or the staffing search's own answer for the target).
    plan = plan_scenario(load_scenario(MMN, ["team.shrinkage=0.05"]))
    assert plan.scenario == "textbook-mmn"
    row = plan.shifts.loc[("always", "only")]
    assert row["sellers_scheduled"] == pytest.approx(10.0)
    assert row["sellers_working"] == 9
    assert row["p_wait_now"] == pytest.approx(erlang_c(9, 8.0), rel=1e-9)
    assert row["within_target_now"] == pytest.approx(service_level(9, 8.0, 0.25, 1.0), rel=1e-9)
    assert row["contact_first_attempt_now"] == pytest.approx(
        contact_probability_exponential(9, 2.0, 0.25, 0.6, THETA), rel=1e-6)
    assert row["target"] == "50% in 1 min"
    need = required_sellers(2.0, 0.25, target_wait=1.0, target_share=0.5, shrinkage=0.05)
    assert row["sellers_needed"] == need.sellers
    # "scheduled" = needed / (1 - shrinkage), rounded up to whole sellers (README, plan).
    assert row["sellers_needed_scheduled"] == math.ceil(need.sellers / 0.95 - 1e-9)
    assert row["contact_first_attempt_needed"] == pytest.approx(
        contact_probability_exponential(need.sellers, 2.0, 0.25, 0.6, THETA), rel=1e-6)
    # 24/7 at a constant 2 leads a minute: every hour of the week is the same M/M/n queue.
    hourly = plan.hourly
    assert list(hourly["weekday"]) == [d for d in WEEKDAYS for _ in range(24)]
    assert list(hourly["hour"]) == list(range(24)) * 7
    np.testing.assert_allclose(hourly["leads_per_hour"], 120.0, rtol=1e-9)
    assert hourly["business_hour"].all()
    assert hourly["sellers_scheduled"].dtype.kind == "i"  # whole sellers
    assert (hourly["sellers_scheduled"] == 10).all()
    assert (hourly["sellers_needed_scheduled"] == need.sellers_scheduled).all()
    assert (hourly["shortfall"] == max(need.sellers_scheduled - 10, 0)).all()


def test_mm1_plan_is_the_textbook_mm1() -> None:
    # One seller, rho = 0.5 (lambda = 0.125/min, 4-minute handling): P(wait) = rho and
    # P(W <= t) = 1 - rho exp(-(mu - lambda) t), the M/M/1 formulas.
    scenario = load_scenario(
        MMN, ["tiers.only.monthly_volume=5478.75", "team.shifts[0].sellers=1"])
    row = plan_scenario(scenario).shifts.loc[("always", "only")]
    assert row["offered_load_erlang"] == pytest.approx(0.5, rel=1e-9)
    assert row["sellers_working"] == 1
    assert row["p_wait_now"] == pytest.approx(0.5, rel=1e-9)
    assert row["within_target_now"] == pytest.approx(1 - 0.5 * math.exp(-0.125), rel=1e-9)


@pytest.mark.parametrize(
    ("overrides", "working", "shrinkage"),
    [
        (["team.shrinkage=0.3"], 7, 0.3),
        (["team.shrinkage=0.2"], 8, 0.2),
        (["team.shifts[0].sellers=0"], 0, 0.0),
        (["team.shrinkage=0.3", "decay.contact.floor=0.5"], 7, 0.3),
        (["team.shrinkage=0.2", "decay.contact.floor=0.5"], 8, 0.2),
    ],
    ids=["overloaded", "critical", "nobody", "overloaded-with-floor", "critical-with-floor"],
)
def test_overloaded_or_unstaffed_shift_serves_nobody_in_time(
    overrides: list[str], working: int, shrinkage: float
) -> None:
    # 7 working sellers for A = 8 erlangs, exactly 8 (the critical queue: no steady state
    # either), or none at all: the queue grows without bound, so every lead waits, none is
    # served within the target and no first attempt is made in the steady state (even where
    # the decay curve keeps a floor). The need for the target does not depend on today's staff.
    row = plan_scenario(load_scenario(MMN, overrides)).shifts.loc[("always", "only")]
    assert row["offered_load_erlang"] == pytest.approx(8.0, rel=1e-9)
    assert row["sellers_working"] == working
    assert row["p_wait_now"] == 1.0
    assert row["within_target_now"] == 0.0
    assert row["contact_first_attempt_now"] == 0.0
    need = required_sellers(2.0, 0.25, target_wait=1.0, target_share=0.5, shrinkage=shrinkage)
    assert (row["sellers_needed"], row["sellers_needed_scheduled"]) == (
        need.sellers, need.sellers_scheduled)


def test_tier_without_response_terms_is_planned_for_80_percent_in_60_minutes() -> None:
    # The documented default target of `slasim plan` for a tier the SLA says nothing about;
    # with no response terms at all, the hour-of-week check uses the same default. The load
    # (A = 8 erlangs of 51.1-minute calls) is one where the minute matters: 80 % within 60
    # minutes needs 10 sellers, within 61 minutes 9.
    volume = 6860.0
    lam, mu = volume / DAYS_PER_MONTH / 1440, 1 / 51.1
    plan = plan_scenario(load_scenario(MMN, [
        "sla.tiers={}", f"tiers.only.monthly_volume={volume}", *_handling(51.1)]))
    row = plan.shifts.loc[("always", "only")]
    assert row["target"] == "80% in 60 min"
    need = required_sellers(lam, mu, target_wait=60.0, target_share=0.8)
    assert need.sellers == 10
    assert required_sellers(lam, mu, target_wait=61.0, target_share=0.8).sellers == 9
    assert row["sellers_needed"] == need.sellers
    assert (plan.hourly["sellers_needed_scheduled"] == need.sellers_scheduled).all()


def test_splitting_a_tier_in_two_changes_no_staffing_answer() -> None:
    # Two identical tiers with half the volume each are the same queue as the one tier: the
    # pooled load, the needs and the hour-of-week table must not change.
    one = plan_scenario(load_scenario(MMN, ["team.shrinkage=0.1"]))
    half = TIER_B.replace("monthly_volume = 1000", "monthly_volume = 43830")
    two = plan_scenario(load_scenario(MMN, [
        "team.shrinkage=0.1", "tiers.only.monthly_volume=43830", f"tiers.b={half}",
        "sla.tiers.b={ quota = 0, response_target_minutes = 1, response_share = 0.5, "
        'response_clock = "wall" }',
    ]))
    for tier in ("only", "b"):
        row = two.shifts.loc[("always", tier)]
        assert row["offered_load_erlang"] == pytest.approx(8.0, rel=1e-9)
        assert row["leads_per_hour"] == pytest.approx(60.0, rel=1e-9)
        assert row["sellers_needed"] == one.shifts.loc[("always", "only"), "sellers_needed"]
    columns = ["leads_per_hour", "sellers_needed_scheduled", "sellers_scheduled", "shortfall"]
    np.testing.assert_allclose(two.hourly[columns].to_numpy(dtype=float),
                               one.hourly[columns].to_numpy(dtype=float), rtol=1e-9)


def test_off_hours_leads_wait_for_the_next_staffed_hour() -> None:
    # Leads arrive 24/7 at 2 a minute (120 an hour) for two weeks; the office works Mon-Fri
    # 08-17 with 10 sellers and Saturday 10-14 with 1; a Sunday shift has nobody on it. Every
    # lead arriving while nobody works is counted in the next staffed hour (README, plan).
    hours = ", ".join(f'{d} = {OFFICE}' for d in ("mon", "tue", "wed", "thu", "fri"))
    shifts = (
        '[{ name = "sunday", weekdays = ["sun"], start = "10:00", end = "14:00", sellers = 0 }, '
        '{ name = "office", weekdays = ["mon", "tue", "wed", "thu", "fri"], start = "08:00", '
        'end = "17:00", sellers = 10 }, '
        '{ name = "saturday", weekdays = ["sat"], start = "10:00", end = "14:00", sellers = 1 }]'
    )
    scenario = load_scenario(MMN, [
        "horizon.days=14", f'calendar.hours={{ {hours}, sat = ["10:00-14:00"] }}',
        f"team.shifts={shifts}",
    ])
    plan = plan_scenario(scenario)
    hourly = plan.hourly.copy()
    lph = hourly["leads_per_hour"].to_numpy()
    office = np.zeros(168, dtype=bool)
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri"):
        office[_how(day, 8):_how(day, 17)] = True
    saturday = np.zeros(168, dtype=bool)
    saturday[_how("Sat", 10):_how("Sat", 14)] = True
    np.testing.assert_array_equal(hourly["business_hour"], office | saturday)
    # No lead is lost, and none is counted while nobody works (the Sunday shift included).
    assert lph.sum() == pytest.approx(120.0 * 168, rel=1e-9)
    assert (lph[~(office | saturday)] == 0).all()
    assert lph[_how("Wed", 10)] == pytest.approx(120.0, rel=1e-9)
    assert lph[_how("Tue", 8)] == pytest.approx(16 * 120.0, rel=1e-9)  # Mon 17:00 - Tue 09:00
    assert lph[_how("Sat", 10)] == pytest.approx(18 * 120.0, rel=1e-9)  # Fri 17:00 - Sat 11:00
    # Monday 08:00: 9 hours of leads in the first week (the horizon starts Monday 00:00), the
    # 43 hours since Saturday 14:00 in the second.
    assert lph[_how("Mon", 8)] == pytest.approx((9 + 43) / 2 * 120.0, rel=1e-9)
    np.testing.assert_array_equal(
        hourly["sellers_scheduled"], np.where(office, 10, np.where(saturday, 1, 0)))
    # The last staffed hour of the horizon (the second Saturday, 13:00) also gets the 34 hours
    # of leads after it (Sat 14:00 - Sun 24:00): the queue still holds them at the end.
    assert lph[_how("Sat", 13)] == pytest.approx((1 + 35) / 2 * 120.0, rel=1e-9)
    # The shifts see the same leads: 2 x 21 + 34 hours of leads in Saturday's 2 x 4 hours, the
    # office the rest of the 14 days' leads in its 10 x 9 hours.
    assert set(plan.shifts.index) == {("office", "only"), ("saturday", "only")}
    sat = plan.shifts.loc[("saturday", "only")]
    assert sat["leads_per_hour"] == pytest.approx(76 * 120.0 / 8, rel=1e-9)
    assert sat["offered_load_erlang"] == pytest.approx(76 * 2.0 / 8 * 4, rel=1e-9)
    assert sat["sellers_scheduled"] == pytest.approx(1.0)
    off = plan.shifts.loc[("office", "only")]
    assert off["leads_per_hour"] == pytest.approx((14 * 24 - 76) * 120.0 / 90, rel=1e-9)
    assert off["sellers_scheduled"] == pytest.approx(10.0)
    # The hour-of-week need: the target's staffing for that hour's rate; no need and no
    # shortfall outside business hours, where nobody is expected to work.
    wed = required_sellers(2.0, 0.25, target_wait=1.0, target_share=0.5)
    assert hourly["sellers_needed_scheduled"].iloc[_how("Wed", 10)] == wed.sellers_scheduled
    tue = required_sellers(32.0, 0.25, target_wait=1.0, target_share=0.5)
    assert hourly["sellers_needed_scheduled"].iloc[_how("Tue", 8)] == tue.sellers_scheduled
    need = hourly["sellers_needed_scheduled"].to_numpy()
    expected_short = np.where(office | saturday, np.maximum(need - hourly["sellers_scheduled"], 0), 0)
    np.testing.assert_array_equal(hourly["shortfall"], expected_short)
    assert (hourly["shortfall"].to_numpy()[~(office | saturday)] == 0).all()
    assert plan.hours_short == int((expected_short > 0).sum()) > 0


def test_a_slot_is_on_duty_when_the_shift_covers_its_middle() -> None:
    # A shift 08:30-16:30 covers half of the 08:00 and of the 16:00 hour: it is counted on
    # duty from 08:00 to 16:00 (eight hours, as long as the shift).
    scenario = load_scenario(MMN, [
        'team.shifts[0].start="08:30"', 'team.shifts[0].end="16:30"',
    ])
    scheduled = plan_scenario(scenario).hourly["sellers_scheduled"].to_numpy()
    expected = np.zeros(168, dtype=np.int64)
    for day in WEEKDAYS:
        expected[_how(day, 8):_how(day, 16)] = 10
    np.testing.assert_array_equal(scheduled, expected)


def test_a_horizon_shorter_than_a_week() -> None:
    # Two days (Mon-Tue) of textbook-staffing's 0.5 leads a minute, 3 sellers: the hours of the
    # week the horizon never reaches have no leads, no sellers and are not business hours; a
    # shift on a day outside the horizon (Wednesday) has no row.
    scenario = load_scenario(SCENARIOS / "textbook-staffing.toml", [
        'team.shifts=[{ name = "wed", weekdays = ["wed"], start = "08:00", end = "17:00", '
        'sellers = 5 }, { name = "always", weekdays = ["mon", "tue", "wed", "thu", "fri", '
        '"sat", "sun"], start = "00:00", end = "24:00", sellers = 3 }]',
    ])
    plan = plan_scenario(scenario)
    assert list(plan.shifts.index) == [("always", "only")]
    hourly = plan.hourly
    inside = np.arange(168) < 48
    np.testing.assert_allclose(hourly["leads_per_hour"], np.where(inside, 30.0, 0.0), rtol=1e-9)
    np.testing.assert_array_equal(hourly["business_hour"], inside)
    np.testing.assert_array_equal(hourly["sellers_scheduled"], np.where(inside, 3, 0))
    need = required_sellers(0.5, 0.25, target_wait=60.0, target_share=0.5)
    np.testing.assert_array_equal(
        hourly["sellers_needed_scheduled"], np.where(inside, need.sellers_scheduled, 0))
    # A roster that never works in the horizon: no shift row, every business hour short.
    never = load_scenario(SCENARIOS / "textbook-staffing.toml", ['team.shifts[0].weekdays=["wed"]'])
    plan = plan_scenario(never)
    assert plan.shifts.empty
    assert plan.hours_short == 48


@pytest.mark.parametrize(
    ("max_attempts", "spacing", "counted"),
    [
        # Attempts at ages 0, 60, 1440 (= the 1-day window: still inside, as in the engine)
        # and 1441 (outside: not made).
        (4, "[60, 1380, 1]", [60.0, 1440.0]),
        (2, "[60]", [60.0]),
    ],
)
def test_funnel_now_counts_the_attempts_inside_the_window(
    max_attempts: int, spacing: str, counted: list[float]
) -> None:
    # Lead -> contact = 1 - (1 - first-attempt contact) x prod over the later attempts made
    # within the cadence window of (1 - p0 x decay(age)); the rest of the funnel follows
    # (every contact qualifies and becomes an opportunity, half are won).
    scenario = load_scenario(MMN, [
        f"cadence.max_attempts={max_attempts}", f"cadence.spacing_minutes={spacing}",
        "cadence.window_days=1", "decay.contact.half_life_minutes=1440",
        "sla.tiers.only.quota=1000",
    ])
    plan = plan_scenario(scenario)
    first = plan.shifts.loc[("always", "only"), "contact_first_attempt_now"]
    curve, _ = scenario.decay.curves()
    miss = 1.0 - first
    for age in counted:
        miss *= 1.0 - 0.6 * float(curve(age))
    row = plan.funnel_now.loc["only"]
    assert row["leads"] == pytest.approx(1000.0)
    assert row["contacts"] == pytest.approx(1000.0 * (1.0 - miss), rel=1e-9)
    assert row["won"] == pytest.approx(0.5 * row["contacts"], rel=1e-9)
    assert row["revenue"] == pytest.approx(
        row["won"] * scenario.tiers["only"].deal_size.mean, rel=1e-9)


def test_funnel_now_at_quota_or_at_volume() -> None:
    # Today's funnel runs at the tier's quota when the SLA has one, at its monthly volume
    # otherwise; a tier that gets no leads contacts nobody whatever its quota.
    scenario = load_scenario(MMN, [
        "sla.tiers.only.quota=1000", f"tiers.b={TIER_B}",
        f"tiers.c={TIER_B.replace('monthly_volume = 1000', 'monthly_volume = 0')}",
        "sla.tiers.c={ quota = 100, response_target_minutes = 1, response_share = 0.5, "
        'response_clock = "wall" }',
    ])
    plan = plan_scenario(scenario)
    now = plan.funnel_now
    assert now.loc["only", "leads"] == pytest.approx(1000.0)
    assert now.loc["b", "leads"] == pytest.approx(1000.0)
    assert now.loc["c", "leads"] == pytest.approx(100.0)
    assert now.loc["c", "contacts"] == pytest.approx(0.0, abs=1e-6)
    # One attempt: the tiers served by the same queue contact the same share.
    first = plan.shifts.loc[("always", "only"), "contact_first_attempt_now"]
    assert now.loc["only", "contacts"] == pytest.approx(1000.0 * first, rel=1e-9)
    assert now.loc["b", "contacts"] == pytest.approx(1000.0 * first, rel=1e-9)


def test_revenue_goal_comes_from_marketing_by_default() -> None:
    plan = plan_scenario(load_scenario(SCENARIOS / "baseline.toml"), revenue_goal=1_000_000)
    assert plan.funnel is not None
    assert plan.funnel["revenue"].sum() == pytest.approx(1_000_000, rel=1e-9)


def test_no_leads_at_all_is_an_input_error() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.toml", [
        f"tiers.{t}.monthly_volume=0" for t in ("hot", "warm", "cold")])
    with pytest.raises(InputError) as err:
        plan_scenario(scenario)
    assert str(err.value) == (
        "--set: tiers.*.monthly_volume: every tier has no leads "
        "(hot.monthly_volume(=0), warm.monthly_volume(=0), cold.monthly_volume(=0)); expected "
        "monthly_volume > 0 in at least one tier: the staffing answers are read from the volumes "
        "(a trace replays arrivals in the simulation only)"
    )
    # Less than one lead a month is still a volume to plan for.
    tiny = load_scenario(MMN, ["tiers.only.monthly_volume=0.5"])
    assert plan_scenario(tiny).shifts.loc[("always", "only"), "leads_per_hour"] > 0


_TOO_MUCH = (
    "erlangs of work (leads per minute x handling minutes per lead: that many sellers busy all "
    "the time); expected at most 500,000, the staffing search stops at 1,000,000 sellers: lower "
    "the volumes or team.handling_*.mean_minutes (and team.wrapup_*)"
)


def _handling(minutes: float) -> list[str]:
    return [f'team.handling_{kind}={{ dist = "exponential", mean_minutes = {minutes} }}'
            for kind in ("unanswered", "conversation")]


def test_more_work_than_any_team_is_an_input_error() -> None:
    # 10 million leads a month x 5,000 minutes each: over a million sellers busy all the time.
    scenario = load_scenario(MMN, ["tiers.only.monthly_volume=1e7", *_handling(5000)])
    with pytest.raises(InputError) as err:
        plan_scenario(scenario)
    assert str(err.value) == (
        "--set: tiers.*.monthly_volume: shift 'always' gets 1,140,771 "
        + _TOO_MUCH)
    # The shift's average fits, but a spike on Sunday 03:00 does not.
    hour = [1.0] * 24
    hour[3] = 1000.0
    spike = load_scenario(MMN, [
        "tiers.only.monthly_volume=1e7", *_handling(1000), f"tiers.only.profile.hour={hour}",
        "tiers.only.profile.weekday=[1, 1, 1, 1, 1, 1, 100]",
    ])
    with pytest.raises(InputError) as err:
        plan_scenario(spike)
    message = str(err.value)
    assert message.startswith(
        "--set: tiers.*.monthly_volume: the busiest hour of the week "
        "(Sun 03:00) gets ")
    assert message.endswith(_TOO_MUCH)


def test_plan_to_dict_is_plain_json_with_null_funnel_without_a_goal() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    without = plan_scenario(scenario).to_dict()
    assert list(without) == ["scenario", "shifts", "hours_short", "hourly", "funnel_now",
                             "funnel", "head_count_months"]
    assert without["funnel"] is None
    with_goal = plan_scenario(scenario, revenue_goal=3_000_000).to_dict()
    assert isinstance(with_goal["funnel"], list) and with_goal["funnel"]
    json.dumps(with_goal, allow_nan=False)  # NaN became null


@pytest.mark.parametrize(
    ("routing", "expected"),
    [
        ("bogus", "<cli>: --routing: got 'bogus'; expected one of fifo,"),
        ("fifo", "<cli>: --routing: got 'fifo' with --reps 0; expected --routing only when"),
    ],
)
def test_routing_with_reps_0_is_refused(
    routing: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Both were accepted and ignored: queueing theory alone has no routing policies.
    code = main(["plan", str(SCENARIOS / "baseline.toml"), "--reps", "0", "--routing", routing])
    assert code == 2
    assert expected in capsys.readouterr().err


def test_a_quarter_with_hires_is_screened_at_its_thinnest_month() -> None:
    # The quarter has 5 sellers in January and 7 from February: check's Erlang screen used
    # the quarter's average (6.4 on duty, 4 working) and missed that January is short. Each
    # month must keep the agreement, so the screen takes the thinnest month: 5, 3 working.
    from slasim.planning.check import check_scenario
    from slasim.planning.plan import shift_queues

    quarter = load_scenario(SCENARIOS / "quarter.toml")
    hot = next(q for q in shift_queues(quarter) if q.tier == "hot")
    assert hot.sellers_scheduled == pytest.approx(5.0)
    assert hot.sellers_working == 3
    without = load_scenario(SCENARIOS / "quarter.toml",
                            ["team.hires=[]", "team.shifts[0].sellers=7"])
    seven = next(q for q in shift_queues(without) if q.tier == "hot")
    assert seven.sellers_scheduled == pytest.approx(7.0)  # the same every month
    # The readers see which month: check's Shifts table says 7 sellers (with the hires), so a
    # bare "3 sellers working" read as a contradiction.
    assert hot.month is not None and hot.month.key == "2027-01"
    assert seven.month is None  # one head count all quarter: no month to name
    warnings = " ".join(check_scenario(quarter).warnings)
    assert "with 3 sellers working (5 on duty in Jan 2027, the thinnest month)" in warnings
    assert "thinnest" not in " ".join(check_scenario(without).warnings)
    # The quarter routes hot first: the pooled first-come figure says it is one.
    # Not "the first tiers wait less, the others more": warm, a later tier, does far better
    # in the simulation under tier_priority than in this screen.
    assert ("in one first-come queue (with tier_priority routing each tier waits otherwise "
            "than in this one-queue screen: the simulation decides)") in warnings
    fifo = load_scenario(SCENARIOS / "quarter.toml", ["routing.policy=fifo"])
    assert "one-queue screen" not in " ".join(check_scenario(fifo).warnings)


def test_plan_names_the_month_whose_head_count_its_table_takes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "plan.json"
    assert main(["plan", str(SCENARIOS / "quarter.toml"), "--reps", "0", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "sellers_working are those of the thinnest month (Jan 2027;" in text
    assert json.loads(out.read_text())["head_count_months"] == ["2027-01"]
    assert main(["plan", str(SCENARIOS / "baseline.toml"), "--reps", "0", "--json", str(out)]) == 0
    assert "thinnest month" not in capsys.readouterr().out
    assert json.loads(out.read_text())["head_count_months"] == []


def test_the_hour_of_week_check_averages_the_weeks_someone_works_that_hour() -> None:
    # The baseline's April has Easter Monday and Good Friday off: averaged over every week,
    # Mon 08 and Fri 08 showed 4 sellers scheduled beside the Erlang table's 6 (and a diluted
    # need). An hour of the week is averaged over the weeks it is worked.
    baseline = load_scenario(SCENARIOS / "baseline.toml")
    plan = plan_scenario(baseline)
    assert plan.shifts["sellers_scheduled"].iloc[0] == pytest.approx(6.0)
    hourly = plan.hourly.set_index(["weekday", "hour"])
    for day in ("Mon", "Tue", "Fri"):
        assert hourly.loc[(day, 8), "sellers_scheduled"] == 6
    # The need follows the same weeks: Monday's 08:00 carries the weekend's leads over the 3
    # Mondays worked, not over 4 (a holiday Monday's leads land on Tuesday).
    without = load_scenario(SCENARIOS / "baseline.toml", ["calendar.holidays=[]"])
    plain = plan_scenario(without).hourly.set_index(["weekday", "hour"])
    assert hourly.loc[("Mon", 8), "leads_per_hour"] > 0.9 * plain.loc[("Mon", 8), "leads_per_hour"]
