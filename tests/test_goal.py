"""`plan --revenue-goal` with uncertainty: P(goal) at the quotas, the spread of the leads a
month needs, the multiplier for sla.confidence (slasim/planning/goal.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from slasim.cli.main import main
from slasim.engine.compile import prepare
from slasim.engine.records import STATES
from slasim.engine.replication import run_replication
from slasim.measure.experiment import simulate
from slasim.planning.goal import GRID_STEPS, booked_when_won, goal_odds, with_quotas
from slasim.planning.plan import plan_scenario
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
MMN = SCENARIOS / "textbook-mmn.toml"
WON, LOST, PIPELINE = STATES.index("won"), STATES.index("lost"), STATES.index("in_pipeline")

#: textbook-mmn (one tier, 24/7, 10 sellers, one attempt, 4-minute handling) with flat decay, so
#: that the reverse funnel's expectation is exactly what the simulation draws: every lead is
#: attempted at once (load < 1 sellers of 10), contacted with p = 0.6 and won with p = 0.5.
HAND = [
    "decay.contact={ kind = \"flat\" }",
    "tiers.only.base_qualify=1.0",
    "tiers.only.opportunity_rate=1.0",
    "tiers.only.win_rate=0.5",
    "tiers.only.monthly_volume=1000",
]
LEAD_TO_WON = 0.6 * 0.5
SIGMA = math.log(2) / 1.2815515655446004  # deal size: median 1000, p90 2000 (lognormal)
DEAL_MEAN = 1000 * math.exp(SIGMA**2 / 2)


def _hand(*extra: str) -> Scenario:
    return load_scenario(MMN, [*HAND, *extra])


def _quotas(scenario: Scenario, goal: float) -> dict[str, float]:
    plan = plan_scenario(scenario, goal)
    assert plan.funnel is not None
    return {str(t): float(v) for t, v in plan.funnel["leads"].items()}


def _goal_for_wins(scenario: Scenario, wins: float) -> float:
    """The monthly goal whose quotas win ``wins`` deals on average in the horizon."""
    return wins * DEAL_MEAN / scenario.horizon.months


def test_booked_when_won_moves_only_the_close_of_opportunities() -> None:
    # The steady month books each won deal in its lead's month: the same leads, attempts,
    # contacts and funnel draws, only the pipeline at the horizon end resolves into won/lost.
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    seed = np.random.SeedSequence(3)
    before = run_replication(prepare(scenario), seed).leads
    after = run_replication(prepare(booked_when_won(scenario)), seed).leads
    for field in ("created", "tier", "first_attempt", "attempts", "contacted", "seller",
                  "qualified", "opportunity"):
        np.testing.assert_array_equal(before[field], after[field], err_msg=field)
    assert (before["state"] == PIPELINE).sum() > 20  # the baseline's 30-60 day cycles
    assert not (after["state"] == PIPELINE).any()
    won = before["state"] == WON
    assert (after["state"][won] == WON).all()
    np.testing.assert_array_equal(before["value"][won], after["value"][won])
    # An opportunity is won or lost; the rest of the states do not move.
    other = ~before["opportunity"]
    np.testing.assert_array_equal(before["state"][other], after["state"][other])
    assert set(np.unique(after["state"][before["opportunity"]])) <= {WON, LOST}


def test_quotas_follow_the_multiplier() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.toml")
    scaled = with_quotas(scenario, {"hot": 10.0, "warm": 20.0, "cold": 0.0}, 1.5)
    assert [t.monthly_volume for t in scaled.tiers.values()] == [15.0, 30.0, 0.0]
    assert scaled.team == scenario.team and scaled.sla == scenario.sla


def test_near_deterministic_revenue_gives_p_zero_or_one() -> None:
    # Win and contact for sure, deal sizes within 0.1 %: the revenue of the horizon is
    # 1000 x N with N ~ Poisson(mu = 1,300), CV 1 / sqrt(1,300) = 2.8 %. A goal 20 % below the
    # quotas' revenue is 7 standard deviations away: reached in every month; 25 % above it, in
    # none. The mean revenue is the reverse funnel's (within 3 SE of 30 months' mean, 1.5 %).
    scenario = load_scenario(MMN, [
        "decay.contact={ kind = \"flat\" }", "tiers.only.base_contact=1.0",
        "tiers.only.win_rate=1.0", "tiers.only.deal_size={ median = 1000, p90 = 1001 }",
    ])
    goal = 1300 * 1000 / scenario.horizon.months
    leads = _quotas(scenario, goal)
    assert leads["only"] == pytest.approx(goal / 1000, rel=1e-3)
    low = goal_odds(scenario, leads, 0.8 * goal, reps=30, seed=0)
    high = goal_odds(scenario, leads, 1.25 * goal, reps=30, seed=0)
    assert low.at_quotas.p_goal == 1.0 and high.at_quotas.p_goal == 0.0
    assert low.at_quotas.revenue_mean / (low.target / 0.8) == pytest.approx(1.0, abs=0.015)
    # The same months at the same quotas: the two goals see identical revenues.
    assert low.at_quotas.revenue_mean == high.at_quotas.revenue_mean
    # Reaching 80 % of months: below 1 for the low goal, above 1 for the high one; the
    # quotas with a 2.8 % CV need about 0.8 x (1 + 0.84 x 2.8 %) and 1.25 x (1 + 2.4 %).
    assert low.needed is not None and high.needed is not None
    assert low.needed.multiplier == pytest.approx(0.8 * 1.024, rel=0.06)
    assert high.needed.multiplier == pytest.approx(1.25 * 1.024, rel=0.06)


def test_p_goal_at_the_point_estimate_is_one_half_and_the_multiplier_holds() -> None:
    # 100 wins on average at the quotas, deal sizes lognormal (sigma = 0.54). The revenue R is
    # compound Poisson: mean lambda E[X], skewness exp(1.5 sigma^2) / sqrt(lambda) = 0.155,
    # nearly symmetric, so P(R >= its mean) = 0.5 - skew / (6 sqrt(2 pi)) = 0.49 (Edgeworth).
    # With 200 months the estimate has SE sqrt(0.25 / 200) = 0.035: 3 SE is 0.106.
    scenario = _hand()
    goal = _goal_for_wins(scenario, 100)
    leads = _quotas(scenario, goal)
    expected_leads = goal / (LEAD_TO_WON * DEAL_MEAN)
    assert leads["only"] == pytest.approx(expected_leads, rel=1e-9)
    odds = goal_odds(scenario, leads, goal, reps=200, seed=0)
    assert abs(odds.at_quotas.p_goal - 0.49) <= 0.106
    low, high = odds.at_quotas.p_low, odds.at_quotas.p_high
    assert low < odds.at_quotas.p_goal < high and high - low < 0.15
    # The p10 - p90 of the leads one month needs are the quotas reaching the goal in 10 % and
    # 90 % of months. Normal approximation: m + z sqrt(m) c = 1 with z = +1.2816 (10 %) and
    # -1.2816 (90 %), c = exp(sigma^2 / 2) / sqrt(100) = 0.1157: m = 0.862 and 1.160 (and for
    # 80 %, z = -0.8416: m = 1.102). The search's answers are grid points (steps of 2.9 %),
    # and 200 months locate P within ~0.012 in m (SE 0.028 over a slope dP/dm ~ 2.4): allow
    # two grid steps.
    (quota,) = odds.quotas
    assert quota.leads_low is not None and quota.leads_high is not None
    assert quota.leads_low / quota.leads == pytest.approx(0.862, abs=2 * 0.03)
    assert quota.leads_high / quota.leads == pytest.approx(1.160, abs=2 * 0.03)
    needed = odds.needed
    assert needed is not None and needed.p_goal >= 0.8
    assert needed.multiplier == pytest.approx(1.102, abs=2 * 0.03)
    # The bisection ends between neighbours: the grid point below misses 0.8 on the same months.
    (below,) = [v for v in odds.levels
                if math.isclose(v.multiplier, needed.multiplier * 2 ** (-1 / GRID_STEPS))]
    assert below.p_goal < 0.8
    # Re-simulated on other months (seed 1), the needed quotas still reach the goal in about
    # 80 % of months. P-hat at the found point (seed 0) >= 0.8 and its true value lies within
    # one grid step's worth of P (0.07) of 0.8; the fresh estimate differs from the first by
    # SE sqrt(2) x 0.028 = 0.04: accept 0.8 - 3 x 0.04 to 0.8 + 0.07 + 3 x 0.04.
    again = simulate(booked_when_won(with_quotas(scenario, leads, needed.multiplier)),
                     200, seed=1)
    p_again = float((again.metric("revenue").to_numpy() >= odds.target).mean())
    assert 0.68 <= p_again <= 0.99
    assert odds.quotas[0].leads_for_confidence == pytest.approx(
        needed.multiplier * quota.leads, rel=1e-12)


def test_unreachable_goal_names_the_capacity() -> None:
    # One seller, 4-minute attempts, two days around the clock: at most 720 attempts, i.e.
    # 720 x 1000 of revenue however many leads come; the goal asks for 1.3 M in the two days.
    scenario = load_scenario(MMN, [
        "horizon.days=2", "team.shifts[0].sellers=1", "tiers.only.monthly_volume=1000",
        "decay.contact={ kind = \"flat\" }",
        "tiers.only.base_contact=1.0", "tiers.only.win_rate=1.0",
        "tiers.only.deal_size={ median = 1000, p90 = 1001 }",
    ])
    goal = 20_000_000.0
    odds = goal_odds(scenario, _quotas(scenario, goal), goal, reps=5, seed=0)
    assert odds.needed is None and odds.at_quotas.p_goal == 0.0
    assert odds.limit is not None and "Capacity limits it" in odds.limit
    most = odds.levels[-1]
    assert most.multiplier == pytest.approx(8.0)
    assert most.utilization > 0.95 and most.unserved > 0.5
    # Completions in 2,880 busy minutes of 4-minute (exponential) attempts: 720 on average, SD
    # sqrt(720) = 27 per month, 12 for the mean of 5: 10 % above 720 is 6 SDs.
    assert most.revenue_mean <= 1.1 * 720 * 1001
    assert odds.quotas[0].leads_for_confidence is None
    # A two-day horizon is not a month: the text counts periods.
    assert odds.periods == "2-day periods"
    assert "No quotas reach it in 80% of 2-day periods" in " ".join(odds.describe())


def test_overloaded_team_has_no_quotas_and_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    # 87,660 leads a month on one seller: the queue has no steady state, so queueing theory
    # gives no contact rate and the expected revenue per lead is 0: exit 2 with the reason
    # (this used to be an internal error).
    argv = ["plan", str(MMN), "--set", "team.shifts[0].sellers=1", "--revenue-goal", "1e6",
            "--reps", "0"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--revenue-goal: got 1,000,000; no quotas reach it" in err
    assert "the team cannot carry today's leads" in err


def test_overloaded_team_with_several_attempts_has_no_quotas(
    capsys: pytest.CaptureFixture[str]
) -> None:
    # One seller for the baseline's ~1,500 leads (6 attempts each): the funnel counted attempts
    # 2-6 at their cadence ages, as if an overloaded team made them, and printed quotas.
    argv = ["plan", str(SCENARIOS / "baseline.toml"), "--set", "team.shifts[0].sellers=1",
            "--revenue-goal", "1e6", "--reps", "0"]
    assert main(argv) == 2
    assert "the team cannot carry today's leads" in capsys.readouterr().err


def test_goal_odds_refuses_bad_arguments() -> None:
    scenario = _hand()
    with pytest.raises(ValueError, match=r"revenue_goal\(=0"):
        goal_odds(scenario, {"only": 10.0}, 0.0)
    with pytest.raises(ValueError, match=r"marketing_share\(=1.5"):
        goal_odds(scenario, {"only": 10.0}, 1.0, 1.5)
    with pytest.raises(ValueError, match="no quota for tiers"):
        goal_odds(scenario, {}, 1.0)
    with pytest.raises(ValueError, match=r"reps\(=0"):
        goal_odds(scenario, {"only": 10.0}, 1.0, reps=0)


CLI = ["plan", str(MMN), *(x for o in HAND for x in ("--set", o)), "--set",
       "tiers.only.monthly_volume=300", "--reps", "12", "--quiet"]


def test_plan_revenue_goal_is_repeatable_with_any_workers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one, two, other = tmp_path / "one.json", tmp_path / "two.json", tmp_path / "other.json"
    argv = [*CLI, "--revenue-goal", "20000"]
    assert main([*argv, "--json", str(one)]) == 0
    assert main([*argv, "--workers", "2", "--json", str(two)]) == 0
    assert one.read_bytes() == two.read_bytes()
    assert main([*argv, "--seed", "1", "--json", str(other)]) == 0
    block = json.loads(one.read_text())["revenue_goal"]
    assert block["simulated"] is True and block["reps"] == 12 and block["seed"] == 0
    assert block["confidence"] == 0.8 and block["revenue_basis"] == "steady_month"
    (quota,) = block["quotas"]
    assert quota["tier"] == "only" and quota["leads"] == pytest.approx(
        20000 / (LEAD_TO_WON * DEAL_MEAN), rel=1e-9)
    assert 0 <= block["at_quotas"]["p_low"] <= block["at_quotas"]["p_goal"] <= 1
    assert block["needed"]["p_goal"] >= 0.8 and block["reachable"] is True
    assert block["text"].startswith("At these quotas the goal (20,000 ")
    # Another seed: other months (the revenue differs), the same quotas.
    again = json.loads(other.read_text())["revenue_goal"]
    assert again["quotas"][0]["leads"] == quota["leads"]
    assert again["at_quotas"]["revenue_mean"] != block["at_quotas"]["revenue_mean"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    # textbook-mmn's horizon is 10 days: the text counts periods, not months.
    assert "How likely the goal is (simulated: 12 10-day periods per quota level, seed 0" in text
    assert "for 80% of 10-day periods" in text and "At these quotas the goal" in text
    assert block["days"] == 10


def test_plan_without_simulation_says_why(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan.json"
    assert main([*CLI[:-3], "--reps", "0", "--revenue-goal", "20000", "--json", str(out)]) == 0
    block = json.loads(out.read_text())["revenue_goal"]
    assert block == {"simulated": False, "note": "--reps 0: point estimates only (--reps N "
                     "simulates how likely the goal is)"}
    assert json.loads((tmp_path / "plan.json").read_text())["funnel"][0]["tier"] == "only"
    assert main([*CLI, "--revenue-goal", "0"]) == 0
    assert "any quotas reach the goal" in capsys.readouterr().out
    assert main([*CLI, "--revenue-goal", "0", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["revenue_goal"]["simulated"] is False
    # Quotas beyond what a replication may hold: the point estimates, and a note.
    assert main([*CLI, "--revenue-goal", "1e11", "--json", str(out)]) == 0
    note = json.loads(out.read_text())["revenue_goal"]["note"]
    assert "more than 5,000,000 a replication may hold" in note
    # Without a goal there is no block at all.
    assert main([*CLI, "--json", str(out)]) == 0
    assert json.loads(out.read_text())["revenue_goal"] is None


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--revenue-goal", "nan"], "--revenue-goal: got nan; expected a finite amount"),
        (["--revenue-goal", "-1"], "--revenue-goal: got -1.0; expected a finite amount >= 0"),
        (["--revenue-goal", "inf"], "--revenue-goal: got inf"),
        # The months at the quotas are simulated --reps times: too many is refused up front.
        (["--revenue-goal", "2e6", "--reps", "100000"], "--reps: got 100,000"),
    ],
)
def test_plan_bad_revenue_goal_exits_2(args: list[str], fragment: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*CLI[:-3], "--quiet", *args]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_no_quotas_line_never_rounds_a_chance_up_to_the_confidence() -> None:
    # "No quotas reach it in 80% of months: ... (at 1.68 x; 80% of months reach the target)"
    # for a best multiplier reaching it in 0.798 of months.
    from slasim.planning.goal import _limit
    from slasim.planning.goal_result import GoalLevel

    def level(m: float, p: float) -> GoalLevel:
        return GoalLevel(m, p, p - 0.1, p + 0.1, 1e6 * m, 5e5, 2e6, 0.5, 0.0, 0.6)

    text = _limit((level(1.0, 0.5), level(2.0, 0.798)), level(1.0, 0.5), 3e6, 2.0, "months",
                  0.8)
    assert "(at 2.00 x; 79.8% of months reach the target" in text, text
