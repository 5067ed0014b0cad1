"""`slasim plan`: the scenario-level analytic answers agree with the formulas they stand on."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slasim.analytic import contact_probability_exponential, erlang_c, required_sellers
from slasim.analytic.funnel import FunnelTier, forward_funnel
from slasim.analytic.plan import plan_scenario
from slasim.cli import main
from slasim.loader import load_scenario

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
    assert main(["plan", str(SCENARIOS / "baseline.toml"), "--reps", "0"]) == 0
    text = capsys.readouterr().out
    assert "per shift and tier" in text and "Expected funnel per month" in text


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
