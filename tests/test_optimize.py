"""The optimizer: known-answer staffing, determinism, chance constraints, overlay, CLI errors."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from slasim.analytic import contact_probability_exponential
from slasim.cli.main import main
from slasim.measure.experiment import simulate
from slasim.measure.intervals import wilson_interval
from slasim.measure.metrics import ALL, MetricContext
from slasim.optimizer import OptimizeResult, build_space, optimize, realistic_quota
from slasim.optimizer.race import VERIFY_KEY, Evaluation
from slasim.optimizer.result import overlay_toml
from slasim.optimizer.scoring import MenuScorer, samples_from
from slasim.optimizer.space import OperatingPoint
from slasim.optimizer.terms import Samples, choose_terms, terms_verdict
from slasim.optimizer.verify import Verifier
from slasim.scenario.load import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
TEXTBOOK = SCENARIOS / "textbook-staffing.toml"
BASE = SCENARIOS / "baseline.toml"
# A one-week baseline: ~350 leads per replication, fast enough for the default suite. A week
# of qualification is too short for the monthly conversion promises: they are lowered.
SMALL = [
    "horizon.days=7",
    "sla.tiers.hot.qualify_rate_target=0.1",
    "sla.tiers.warm.qualify_rate_target=0.03",
    "optimize.sellers.office=[4, 7]",
    "optimize.tiers.hot.volume=[150, 150]",
]


def _analytic_profit(n: int) -> float:
    """Expected monthly profit of the textbook-staffing scenario with n sellers (Erlang C)."""
    s = load_scenario(TEXTBOOK)
    tier = s.tiers["only"]
    lam, mu = 0.5, 1 / s.team.handling_conversation.mean_minutes
    theta = math.log(2) / 1.0  # decay half-life 1 min
    p = contact_probability_exponential(n, lam, mu, tier.base_contact, theta)
    value = tier.deal_size.mean * tier.base_qualify * tier.opportunity_rate * tier.win_rate
    return tier.monthly_volume * p * value - n * s.team.cost_per_seller_month


@pytest.fixture(scope="module")
def textbook_result() -> OptimizeResult:
    return optimize(load_scenario(TEXTBOOK), seed=0, workers=1)


def test_finds_the_analytic_optimum_staffing(textbook_result: OptimizeResult) -> None:
    r = textbook_result
    lo, hi = 3, 9  # the scenario's [optimize] sellers bounds
    profits = {n: _analytic_profit(n) for n in range(lo, hi + 1)}
    best = max(profits, key=profits.__getitem__)
    assert lo < best < hi  # an interior optimum: the test means something
    assert r.success, r.message
    assert r.x is not None and r.x.sellers == (best,)
    # Neither neighbour beats it, and their simulated paired differences agree with theory:
    # the analytic difference must lie inside the 95 % paired CI widened by 5 % of its size
    # (the simulated months start with an empty queue, a transient the formula ignores).
    assert not r.neighbours_better
    # No bound binds (interior staffing, no menus): no note says otherwise.
    assert r.notes == []
    for row in r.neighbours.itertuples():
        n = int(str(row.neighbour).split("=")[1])
        expected = profits[n] - profits[best]
        slack = 0.05 * abs(expected)
        assert row.ci_low - slack <= expected <= row.ci_high + slack, (n, expected, row)


def test_cost_objective_meets_the_revenue_goal_with_fewest_sellers() -> None:
    # Goal halfway between the analytic revenue of 5 and 6 sellers: 6 is the cheapest staffing
    # that reaches it. The margin (~175k/month each side) is ~3 standard errors of the mean
    # monthly revenue over 60 months (per-month sd ~450k), so the answer is not luck.
    def revenue(n: int) -> float:
        return _analytic_profit(n) + n * load_scenario(TEXTBOOK).team.cost_per_seller_month

    goal = (revenue(5) + revenue(6)) / 2
    r = optimize(
        load_scenario(TEXTBOOK, ["optimize.sellers.always=[4, 8]"]), objective="cost",
        revenue_goal=goal, seed=2, verify_reps=60, rounds=(20, 40),
    )
    assert r.success, r.message
    assert r.x is not None and r.x.sellers == (6,)
    assert r.fun == pytest.approx(-6 * 150_000)


def test_verification_months_meet_every_term(textbook_result: OptimizeResult) -> None:
    r = textbook_result
    assert r.verify_reps == 200 and r.nfev > 200
    terms = r.verification[r.verification["tier"] != "all"]
    assert r.verdict is not None and r.verdict.realistic, r.verification
    assert (terms["p_met"] >= r.confidence).all()
    assert r.fun_ci[0] <= r.fun <= r.fun_ci[1]


def test_overlay_round_trip(textbook_result: OptimizeResult, tmp_path: Path) -> None:
    written = textbook_result.write(tmp_path / "out", TEXTBOOK)
    names = sorted(p.name for p in written)
    assert names == ["frontier.csv", "proposal.toml", "result.json", "value_of_speed.csv"]
    text = (tmp_path / "out" / "proposal.toml").read_text()
    assert "P(met)" in text and "extends = " in text
    loaded = load_scenario(tmp_path / "out" / "proposal.toml")
    assert textbook_result.proposal is not None
    want = textbook_result.proposal.model_dump(exclude={"name", "extends"})
    assert loaded.model_dump(exclude={"name", "extends"}) == want


def test_same_seed_same_proposal_any_workers(tmp_path: Path) -> None:
    # A proposed qualify-rate target too: it is read off the simulated months, so it must be
    # as reproducible as the rest.
    # --set values the optimizer does not change (shrinkage, a table, a list element) must
    # reach the proposal too: it extends the file, which does not have them.
    scenario = load_scenario(TEXTBOOK, ["optimize.sellers.always=[4, 7]",
                                        'optimize.tiers.only.qualify_rate_target="propose"',
                                        "team.shrinkage=0.05",
                                        'team.handling_unanswered={dist="fixed", mean_minutes=1}'])
    texts = []
    for workers in (1, 2):
        r = optimize(scenario, seed=3, workers=workers, verify_reps=30, rounds=(10, 10))
        r.write(tmp_path / str(workers), TEXTBOOK)
        texts.append((tmp_path / str(workers) / "proposal.toml").read_text())
    assert "qualify_rate_target = " in texts[0]
    assert "shrinkage = 0.05    # --set" in texts[0]
    assert texts[0] == texts[1]
    loaded = load_scenario(tmp_path / "1" / "proposal.toml")
    assert r.proposal is not None and r.proposal.team.shrinkage == 0.05
    want = r.proposal.model_dump(exclude={"name", "extends"})
    assert loaded.model_dump(exclude={"name", "extends"}) == want
    # A --set inside a list the optimizer leaves alone repeats the whole list (an overlay
    # replaces lists), here as if the proposal kept the staffing.
    scenario = load_scenario(TEXTBOOK, ["team.shifts[0].sellers=5"])
    kept = dataclasses.replace(r, scenario=scenario, proposal=scenario)
    (tmp_path / "kept.toml").write_text(overlay_toml(kept, TEXTBOOK.as_posix()))
    assert load_scenario(tmp_path / "kept.toml").team.shifts == scenario.team.shifts


def test_proposal_meets_terms_on_independent_months() -> None:
    scenario = load_scenario(BASE, SMALL)
    r = optimize(scenario, seed=1, workers=1, verify_reps=60, rounds=(20, 20, 40))
    assert r.success, r.message
    assert r.proposal is not None
    # Re-simulate the proposal with an unrelated seed and judge it with slasim.measure.metrics (not the
    # optimizer's own scoring). A term with true P(met) = confidence shows P-hat >= conf - 0.12
    # in 100 months with probability > 99.9 % (binomial sd = 0.04; 3 sd = 0.12).
    check = simulate(r.proposal, reps=100, seed=987_654)
    for name in r.terms:
        for term in ("marketing_met", "response_met", "attempts_met", "conversion_met"):
            p = float(check.metric(term, name).mean())
            assert p >= r.confidence - 0.12, (name, term, p)


def test_term_scoring_matches_metrics() -> None:
    # The optimizer's post-hoc response and attempt shares must equal slasim.measure.metrics' own
    # first_attempt_within_target / attempts_met for the scenario's terms.
    scenario = load_scenario(BASE, ["horizon.days=7"])
    space = build_space(scenario)
    point = space.current_point()
    scn = space.scenario_for(point)
    result = simulate(scn, reps=4, seed=5, keep_records=True)
    assert result.records is not None
    # The worker's MenuScorer is what the race uses: score every month as a worker would.
    context = MetricContext.from_scenario(scn)
    scorer = MenuScorer.of(space)
    scores = np.vstack([scorer(rep, context) for rep in result.records])
    samples = samples_from(space, result.replications, scores)
    for name, menu in space.menus.items():
        terms = scenario.sla.tiers[name]
        k = menu.targets.index(terms.response_target_minutes)
        want = result.metric("first_attempt_within_target", name).to_numpy()
        np.testing.assert_allclose(samples.response[name][:, k], want)
        a = menu.attempts.index(terms.min_attempts)
        flags = (samples.attempts[name][:, a] >= terms.attempt_share).astype(float)
        np.testing.assert_array_equal(flags, result.metric("attempts_met", name).to_numpy())
    np.testing.assert_allclose(
        samples.cost, result.metric("cost", ALL).to_numpy() / space.months
    )


@pytest.mark.parametrize(("dispersion", "confidence"), [(0.0, 0.8), (0.02, 0.8), (0.04, 0.95)])
def test_realistic_quota_is_the_largest_met_with_confidence(
    dispersion: float, confidence: float
) -> None:
    volume, months = 150.0, 30 / (365.25 / 12)
    q = realistic_quota(volume, dispersion, months, confidence)
    mean = volume * months
    if dispersion:
        size = 1 / dispersion
        dist = stats.nbinom(size, size / (size + mean))
    else:
        dist = stats.poisson(mean)

    def p_met(quota: int) -> float:  # P(count >= quota * months)
        return float(dist.sf(math.ceil(quota * months) - 1))

    assert p_met(q) >= confidence
    assert p_met(q + 1) < confidence


def test_wilson_interval_brackets_the_share() -> None:
    # The Wilson bounds are where the score statistic (p_hat - p) / sqrt(p (1 - p) / n) is +-z.
    n, z = 200, 1.96
    low, high = wilson_interval(160, n, z)
    assert low < 0.8 < high
    for bound, sign in ((low, 1), (high, -1)):
        score = (0.8 - bound) / math.sqrt(bound * (1 - bound) / n)
        assert score == pytest.approx(sign * z, rel=1e-9)


def test_lead_cost_curve_in_cost_metric() -> None:
    scenario = load_scenario(
        BASE,
        ["horizon.days=7", "costs.lead_cost_curve.hot.reference_volume=10",
         "costs.lead_cost_curve.hot.extra_cost_per_lead=1000"],
    )
    plain = simulate(load_scenario(BASE, ["horizon.days=7"]), reps=2, seed=0)
    curved = simulate(scenario, reps=2, seed=0)
    leads = curved.metric("leads_created", "hot").to_numpy()
    extra = 1000 * np.maximum(0, leads - 10 * scenario.horizon.months)
    got = curved.metric("cost_leads", "hot").to_numpy() - plain.metric("cost_leads", "hot").to_numpy()
    np.testing.assert_allclose(got, extra)


def test_neighbours_stay_inside_bounds() -> None:
    space = build_space(load_scenario(BASE, ["optimize.sellers.office=[3, 10]"]))
    point = OperatingPoint((3,), "fifo", space.current_point().volumes)
    assert [p.sellers for p in space.neighbours(point)] == [(4,)]


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["--confidence", "1.5"], ["--confidence", "1.5", "(0, 1)"]),
        (["--confidence", "high"], ["--confidence", "'high'"]),
        (["--budget", "-5"], ["--budget", "-5", "> 0"]),
        (["--objective", "cost"], ["--revenue-goal", "--objective cost needs"]),
        (["--set", "optimize.sellers.night=[1, 2]"], ["optimize.sellers.night", "'office'"]),
        (["--set", "optimize.tiers.hot.min_attempts=[9]"], ["--set: optimize.tiers.hot.min_attempts", "got 9", "max_attempts=6"]),
        (["--set", "optimize.sellers.office=[5, 2]"], ["optimize.sellers", "[5, 2]"]),
        (["--set", "optimize.max_sellers=2"], ["optimize.max_sellers", "got 2", "3 sellers"]),
        (["--set", "optimize.budget=0"], ["optimize.budget", "got 0", "greater than 0"]),
    ],
)
def test_cli_input_errors_exit_2(
    argv: list[str], fragments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["optimize", str(BASE), "--quiet", *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} not in:\n{err}"


def test_cli_writes_the_outputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "opt"
    code = main([
        "optimize", str(TEXTBOOK), "--quiet", "--verify-reps", "30", "--out", str(out),
        "--set", "horizon.days=1", "--set", "optimize.sellers.always=[5, 7]",
    ])
    text = capsys.readouterr().out
    assert code == 0
    for heading in ("proposal:", "Proposed terms", "Frontier", "Value of speed", "replications"):
        assert heading in text
    assert (out / "proposal.toml").exists() and (out / "frontier.csv").exists()
    assert main(["run", str(out / "proposal.toml"), "--reps", "2", "--quiet"]) == 0


# -- stepping terms back on the verification months -------------------------------------------


def _months_failing(n: int, failing: range) -> np.ndarray:
    out = np.ones(n)
    out[list(failing)] = 0.0
    return out


def _sales_side_samples(n: int = 60) -> Samples:
    """Monthly baseline months in which the sales side needs loosening: every cold response
    target is missed in months 0-9 (even 24 h is met in 83 %: realistic, but the end of its
    menu), and 6 hot attempts are missed in months 50-53 (93 %). Together at the most ambitious
    entries: 46 of 60 months (77 %); with 4 hot attempts 50 of 60 (83 %). Hot leads: 300 a
    month, 200 in months 45-59 (a quota above 203 is met in 75 % of months)."""
    space = build_space(load_scenario(BASE))
    ones = np.ones(n)
    response = {t: np.ones((n, len(m.targets))) for t, m in space.menus.items()}
    response["cold"] *= _months_failing(n, range(10))[:, None]
    attempts = {t: np.ones((n, len(m.attempts))) for t, m in space.menus.items()}
    attempts["hot"][:, 0] = _months_failing(n, range(50, 54))
    leads = {t: np.full(n, 1e6) for t in space.menus}
    leads["hot"] = np.where(np.arange(n) < 45, 300.0, 200.0)
    return Samples(objective=ones, cost=np.full(n, 1.0e6), value=ones, leads=leads,
                   response=response, attempts=attempts,
                   qualify={t: np.full(n, 0.5) for t in space.menus})


def test_a_term_at_the_end_of_its_menu_does_not_stop_loosening_its_side() -> None:
    # Raising the sales side's level to 0.84 leaves no cold response entry met that often; the
    # 24 h entry (met in 83 %, above the confidence) stays, and the hot attempts are loosened
    # until the side holds. Before, choose_terms gave up (None) on months that allow terms.
    space = build_space(load_scenario(BASE))
    samples = _sales_side_samples()
    terms = choose_terms(samples, space, space.current_point().volumes, 0.0)
    assert terms is not None
    assert terms["cold"].response_target_minutes == 1440
    assert terms["hot"].min_attempts == 4
    assert terms_verdict(samples, space, terms).realistic
    # A term below the confidence at every entry is still out of reach.
    samples.response["cold"][:15] = 0.0
    assert choose_terms(samples, space, space.current_point().volumes, 0.0) is None


def test_verification_steps_back_a_quota_whose_side_fails_within_the_budget() -> None:
    # The defect: `optimize --budget 1150000 --seed 3 --verify-reps 60` rejected office=3
    # tier_priority hot=300 (marketing 75 % < 80 %, cost 1.10M within the budget) instead of
    # stepping the quotas back, because the terms re-chosen on the fresh months came back None
    # (the sales side stopped at a term at the end of its menu).
    space = dataclasses.replace(build_space(load_scenario(BASE)), budget=1_150_000.0)
    point = space.current_point()
    full = {t: np.ones((60, len(m.targets))) for t, m in space.menus.items()}
    race_months = dataclasses.replace(_sales_side_samples(), response=full)
    race = choose_terms(race_months, space, point.volumes, 0.0)
    assert race is not None
    race["hot"] = dataclasses.replace(race["hot"], quota=250, min_attempts=4)
    race["cold"] = dataclasses.replace(race["cold"], response_target_minutes=1440.0)
    fresh = Evaluation(point, space, samples=_sales_side_samples(), batches=[VERIFY_KEY])

    class Cached:
        def run(self, evaluations: list[Evaluation], key: int, reps: int) -> None:
            assert not evaluations  # every point is in the cache

    checker = Verifier(space, Cached(), 60, {(point, VERIFY_KEY): fresh})  # type: ignore[arg-type]
    verdict = checker.verify(point, race, VERIFY_KEY)
    assert verdict.ok, verdict.sla.sentence()
    assert verdict.loosened == ["hot quota"]
    assert verdict.terms["hot"].quota <= 203
    assert verdict.terms["cold"].response_target_minutes == 1440
