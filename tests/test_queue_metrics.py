"""Queue metrics (slasim.measure.queue_metrics): definitions on hand-built records, then theory.

The first part counts a handful of leads by hand, with the boundaries on purpose (a wait of
exactly 0, exactly the target, an abandonment exactly at the short threshold, a lead censored
at the period end). The second part checks the metrics of simulated months against queueing
theory where it is exact: Erlang C (M/M/n), Erlang A (M/M/n+M), the limits (no seller, a
huge team) and a business-hours calendar whose answer is a ratio of opening hours.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

from slasim.analytic import erlang_a
from slasim.analytic.erlang import erlang_c, mean_wait, service_level
from slasim.engine.compile import prepare
from slasim.engine.records import LEAD_DTYPE, SELLER_DTYPE
from slasim.engine.replication import Replication, run_replication
from slasim.errors import InputError
from slasim.measure.catalogue import QUEUE_METRICS, STATES, metric
from slasim.measure.metrics import ALL, MetricContext, replication_metrics
from slasim.measure.queue_metrics import queue_metrics
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "baseline.toml"
MMN = ROOT / "scenarios" / "textbook-mmn.toml"
ERLANG_A = ROOT / "scenarios" / "textbook-erlang-a.toml"
STATE = {name: i for i, name in enumerate(STATES)}
NAN = math.nan
HOT, WARM, COLD = 0, 1, 2


@pytest.fixture(scope="module")
def ctx() -> MetricContext:
    # baseline: response targets hot 5, warm 60, cold 480 minutes (every tier has terms).
    # Short abandonment at 30 s = 0.5 min, exact in binary, so the boundary case is exact.
    return replace(MetricContext.from_scenario(load_scenario(BASE)), short_abandon_minutes=0.5)


def _leads(rows: list[dict[str, float]]) -> np.ndarray:
    out = np.zeros(len(rows), dtype=LEAD_DTYPE)
    for i, row in enumerate(rows):
        defaults = {"first_attempt": NAN, "response_business": NAN, "contacted": NAN,
                    "closed": NAN, "abandoned": NAN, "state": STATE["waiting"]}
        for key, value in {**defaults, **row}.items():
            out[key][i] = value
    return out


def _rep(rows: list[dict[str, float]], horizon: float) -> Replication:
    sellers = np.zeros(1, dtype=SELLER_DTYPE)
    sellers["available_minutes"] = 100.0
    return Replication(leads=_leads(rows), sellers=sellers, horizon_minutes=horizon,
                       tier_names=("hot", "warm", "cold"))


def _served(tier: int, created: float, wall: float, business: float) -> dict[str, float]:
    return {"tier": tier, "created": created, "first_attempt": created + wall,
            "response_business": business, "attempts": 1, "state": STATE["lost"]}


def _gave_up(tier: int, created: float, after: float) -> dict[str, float]:
    return {"tier": tier, "created": created, "abandoned": created + after,
            "state": STATE["nurtured"]}


def _hot_month(h: float) -> list[dict[str, float]]:
    """Nine hot leads (target 5 minutes), one of each case."""
    return [
        _served(HOT, 1000.0, 0.0, 0.0),  # a seller was free: no wait at all
        _served(HOT, 1001.0, 5.0, 5.0),  # exactly on the target, both clocks
        _served(HOT, 1002.0, 7.0, 3.0),  # late on the wall clock, on time in business minutes
        _gave_up(HOT, 1003.0, 0.5),  # gave up exactly at the short threshold: short
        _gave_up(HOT, 1004.0, 2.0),  # gave up after 2 minutes: not short
        # Cut off by routing.age_cutoff_minutes: gone unattempted, but no abandonment.
        {"tier": HOT, "created": 1005.0, "state": STATE["nurtured"]},
        {"tier": HOT, "created": h - 1.0},  # still waiting, deadline after the end: censored
        {"tier": HOT, "created": 1006.0},  # still waiting, deadline long passed: a miss
        _gave_up(HOT, h - 1.0, 0.5),  # gave up before its deadline, after the end: a miss
    ]


def test_definitions_on_one_tier(ctx: MetricContext) -> None:
    h = ctx.horizon_minutes
    out = replication_metrics(_rep(_hot_month(h), h), ctx)
    hot = {name: out[(name, "hot")] for name in QUEUE_METRICS}
    # Every lead but the first waited (the unattempted ones too): 8 of 9.
    assert hot["wait_positive_share"] == pytest.approx(8 / 9)
    # Waits of the attempted: 0, 5, 7 -> mean 4; p90 at rank 0.9 x 2 = 1.8: 5 + 0.8 x 2.
    assert hot["wait_served_minutes_mean"] == pytest.approx(4.0)
    assert hot["wait_served_minutes_p90"] == pytest.approx(6.6)
    assert hot["wait_served_minutes_mean"] == out[("response_minutes_mean", "hot")]
    assert hot["wait_served_minutes_p90"] == out[("response_minutes_p90", "hot")]
    # Gave up after 0.5, 2 and 0.5 minutes (the cut-off lead is not an abandonment).
    assert hot["wait_abandoned_minutes_mean"] == pytest.approx(1.0)
    assert hot["abandonment_rate"] == pytest.approx(3 / 9)
    assert hot["abandoned_short_share"] == pytest.approx(2 / 9)  # 0.5 min is "within" 30 s
    # Decided: all but the lead still waiting near the end (8). On time: the first two on the
    # wall clock, the first three in business minutes. The lead that gave up in the last
    # minute is a miss although its deadline is after the end: it can never be on time.
    assert hot["answered_within_target_wall"] == pytest.approx(2 / 8)
    assert hot["answered_within_target_business"] == pytest.approx(3 / 8)
    # One definition (queue_metrics.response_outcomes): the SLA's response term on the hot
    # tier's clock (business) is the same share, the late give-up counted as a miss.
    assert ctx.tiers[HOT].target_clock == "business"
    assert out[("first_attempt_within_target", "hot")] == pytest.approx(3 / 8)
    # One tier only: the period values are the tier's.
    for name in QUEUE_METRICS:
        assert out[(name, ALL)] == pytest.approx(hot[name]), name


def test_short_threshold_is_inclusive_and_scales(ctx: MetricContext) -> None:
    leads = _leads([_gave_up(HOT, 1000.0, 0.5), _gave_up(HOT, 1001.0, 0.75)])
    assert queue_metrics(leads, ctx)["abandoned_short_share"] == 0.5
    tighter = replace(ctx, short_abandon_minutes=0.25)
    assert queue_metrics(leads, tighter)["abandoned_short_share"] == 0.0
    wider = replace(ctx, short_abandon_minutes=0.75)
    assert queue_metrics(leads, wider)["abandoned_short_share"] == 1.0


def test_each_lead_is_judged_against_its_own_tier(ctx: MetricContext) -> None:
    # A 10-minute wait misses hot's 5 minutes and meets warm's 60: half the period on time.
    h = ctx.horizon_minutes
    out = replication_metrics(
        _rep([_served(HOT, 1000.0, 10.0, 10.0), _served(WARM, 1000.0, 10.0, 10.0)], h), ctx
    )
    for clock in ("wall", "business"):
        name = f"answered_within_target_{clock}"
        assert (out[(name, "hot")], out[(name, "warm")], out[(name, ALL)]) == (0.0, 1.0, 0.5)


def test_no_leads_no_abandonments_and_a_tier_without_target(ctx: MetricContext) -> None:
    # Hot has no lead: every share and mean is undefined. Nobody gave up: abandonment rates
    # are 0, the wait of those who gave up undefined. Cold has no SLA terms (no target): no
    # service level, and the period's is warm's alone.
    no_cold_terms = replace(ctx, tiers=(*ctx.tiers[:2], replace(ctx.tiers[2], has_terms=False)))
    h = ctx.horizon_minutes
    rows = [_served(WARM, 1000.0, 90.0, 90.0), _served(WARM, 1001.0, 1.0, 1.0),
            _served(COLD, 1000.0, 1.0, 1.0)]
    out = replication_metrics(_rep(rows, h), no_cold_terms)
    for name in QUEUE_METRICS:
        assert math.isnan(out[(name, "hot")]), name
    for tier in ("warm", ALL):
        assert out[("abandonment_rate", tier)] == 0.0
        assert out[("abandoned_short_share", tier)] == 0.0
        assert math.isnan(out[("wait_abandoned_minutes_mean", tier)])
        assert out[("answered_within_target_wall", tier)] == 0.5
    assert math.isnan(out[("answered_within_target_wall", "cold")])
    assert out[("wait_positive_share", "cold")] == 1.0
    # Nothing decided yet (one lead, waiting, created in the last minute): undefined.
    out = replication_metrics(_rep([{"tier": WARM, "created": h - 1.0}], h), ctx)
    assert math.isnan(out[("answered_within_target_business", "warm")])
    assert out[("wait_positive_share", "warm")] == 1.0


def test_business_deadline_censors_over_a_closed_night(ctx: MetricContext) -> None:
    # A warm lead (60 minutes) still waiting, created 2 wall hours before the end: its wall
    # deadline has passed (a miss) while, the office being closed at the end, its business
    # deadline falls after the end (censored) unless 60 open minutes followed its creation.
    h = ctx.horizon_minutes
    created = h - 120.0
    leads = _leads([{"tier": WARM, "created": created}, _served(WARM, 1000.0, 1.0, 1.0)])
    out = queue_metrics(leads, ctx)
    assert out["answered_within_target_wall"] == 0.5
    business_passed = ctx.calendar.add_business(created, 60.0) <= h
    assert out["answered_within_target_business"] == (0.5 if business_passed else 1.0)
    assert not business_passed  # baseline ends on a Thursday night (30 April, 24:00)


def test_short_abandon_seconds_is_a_described_bounded_field() -> None:
    scenario = load_scenario(BASE)
    assert scenario.routing.short_abandon_seconds == 10.0
    assert MetricContext.from_scenario(scenario).short_abandon_minutes == pytest.approx(1 / 6)
    custom = load_scenario(BASE, ["routing.short_abandon_seconds=30"])
    assert MetricContext.from_scenario(custom).short_abandon_minutes == 0.5
    for bad, expected in (("0", "greater than 0"), ("7200", "at most 3,600 seconds")):
        with pytest.raises(InputError, match=expected) as caught:
            load_scenario(BASE, [f"routing.short_abandon_seconds={bad}"])
        assert "routing.short_abandon_seconds" in str(caught.value)


def test_catalogue_entries() -> None:
    kinds = {name: (metric(name).kind, metric(name).unit) for name in QUEUE_METRICS}
    assert kinds["wait_served_minutes_p90"] == ("minutes", "wall")
    assert kinds["wait_abandoned_minutes_mean"] == ("minutes", "wall")
    assert kinds["abandonment_rate"] == ("share", "")
    assert all(metric(name).label["sv"] != metric(name).label["en"] for name in QUEUE_METRICS)


# -- theory -----------------------------------------------------------------------------------


Month = dict[tuple[str, str], float]


def _months(path: Path, overrides: list[str], reps: int, seed: int) -> list[Month]:
    """The metrics of ``reps`` simulated months (the engine and the metric pipeline only)."""
    scenario = load_scenario(path, overrides)
    model, context = prepare(scenario), MetricContext.from_scenario(scenario)
    return [replication_metrics(run_replication(model, s), context)
            for s in np.random.SeedSequence(seed).spawn(reps)]


def _assert_near(name: str, values: np.ndarray, expected: float, q: float, bias: float) -> None:
    """The replication mean is within its t-interval (quantile ``q``) plus ``bias`` of theory."""
    half = q * values.std(ddof=1) / math.sqrt(len(values))
    assert abs(values.mean() - expected) <= half + bias, (
        f"{name}: simulated {values.mean():.5f} +- {half:.5f} (+ bias {bias:.5f}), "
        f"theory {expected:.5f}"
    )


# Months run 10 days (14,400 minutes) from an empty queue and every lead counts (no warm-up is
# cut, unlike the engine's own tests): the start is biased. The relaxation time of M/M/10 at
# rho = 0.8 is 1/(n mu (1 - sqrt(rho))^2) = 36 min; the leads of the first 3 relaxation times
# (108 min, 0.75 % of the month) each miss their steady-state value by at most the whole value,
# so the bias is below 1 % of it: allowed on top of the CI. (Leads still waiting at the end
# are ~lambda E[W] ~ 2 of 28,800: negligible.)
START_BIAS = 0.01
REPS = 12


def test_mmn_matches_erlang_c() -> None:
    # M/M/10, lambda = 2, mu = 1/4, 24/7, target 1 wall minute. Every lead is served, so the
    # wait of the served is the wait: P(wait > 0) = C(10, 8), E[W] = C / (n mu - lambda),
    # P(W <= 1) is the Erlang C service level and the p90 solves C exp(-(n mu - lambda) t) =
    # 0.1. Four checks, family error 1e-3 (Bonferroni): each t-interval at 1 - 1.25e-4.
    months = _months(MMN, [], REPS, 14)
    n, a, mu, lam = 10, 8.0, 0.25, 2.0
    c = erlang_c(n, a)
    expected = {
        "wait_positive_share": c,
        "wait_served_minutes_mean": mean_wait(n, a, mu),
        "wait_served_minutes_p90": math.log(c / 0.1) / (n * mu - lam),
        "answered_within_target_wall": service_level(n, a, mu, 1.0),
    }
    q = stats.t.ppf(1 - 1e-3 / len(expected) / 2, REPS - 1)
    for name, value in expected.items():
        values = np.array([m[(name, ALL)] for m in months])
        _assert_near(name, values, value, q, START_BIAS * value)
        # The interval is narrow enough to tell the definitions apart (e.g. mean wait of the
        # served vs of all leads differ by a few percent under patience, see below).
        assert q * values.std(ddof=1) / math.sqrt(REPS) < 0.25 * value, name
    for m in months:  # 24/7: the business clock is the wall clock; nobody gave up
        assert m[("answered_within_target_business", ALL)] == m[("answered_within_target_wall",
                                                                  ALL)]
        assert m[("abandonment_rate", ALL)] == 0.0
        assert math.isnan(m[("wait_abandoned_minutes_mean", ALL)])


def test_exponential_patience_matches_erlang_a() -> None:
    # M/M/10+M, mean patience 10 min (theta = 0.1). Erlang A gives P(W > 0), P(abandon),
    # E[W | served] and E[W] over all leads (the abandoning count their wait), hence the wait
    # of those who gave up: E[W | ab] = (E[W] - P(served) E[W | served]) / P(ab). The first
    # attempt within 1 minute (abandoned = miss) is served_within(1). Five checks at family
    # error 1e-3. The start bias is smaller than under Erlang C (patience shortens the queue).
    months = _months(ERLANG_A, [], REPS, 15)
    theory = erlang_a(10, 2.0, 0.25, 0.1)
    served = theory.served_probability
    expected = {
        "wait_positive_share": theory.wait_probability,
        "abandonment_rate": theory.abandon_probability,
        "wait_served_minutes_mean": theory.mean_wait_served,
        "wait_abandoned_minutes_mean": (
            (theory.mean_wait - served * theory.mean_wait_served) / theory.abandon_probability
        ),
        "answered_within_target_wall": theory.served_within(1.0),
    }
    q = stats.t.ppf(1 - 1e-3 / len(expected) / 2, REPS - 1)
    for name, value in expected.items():
        values = np.array([m[(name, ALL)] for m in months])
        _assert_near(name, values, value, q, START_BIAS * value)
        assert q * values.std(ddof=1) / math.sqrt(REPS) < 0.1 * value, name
    # The served wait is not the wait of all leads (0.324 vs 0.346 min): the metric is the
    # former, and the interval above is tight enough to tell.
    assert abs(theory.mean_wait - theory.mean_wait_served) > 0.05 * theory.mean_wait_served


def _lognormal(mean: float, cv: float) -> stats.rv_continuous:
    sigma2 = math.log(1 + cv**2)
    return stats.lognorm(s=math.sqrt(sigma2), scale=math.exp(math.log(mean) - sigma2 / 2))


# Patience laws: the scenario's overrides and the same law in scipy.
LAWS = {
    "exponential": (["routing.patience_minutes=10"], stats.expon(scale=10.0)),
    "lognormal": (
        ["routing.patience.dist=lognormal", "routing.patience.mean_minutes=2",
         "routing.patience.cv=1.3"],
        _lognormal(2.0, 1.3),
    ),
}


@pytest.mark.parametrize("law", list(LAWS))
def test_no_seller_everyone_gives_up(law: str) -> None:
    # Nobody serves: every lead waits (exactly), none is answered in time (exactly), and a
    # lead created at c abandons iff its patience tau < H - c, whatever the law F of tau (so
    # this checks the metrics under a non-exponential patience too). With c uniform on
    # [0, H], u = H - c is uniform too:
    #   P(ab) = (1/H) int_0^H F(u) du,
    #   E[tau; ab] = (1/H) int_0^H int_0^u t f(t) dt du = (1/H) int_0^H t f(t) (H - t) dt,
    # the wait of those who gave up has mean E[tau; ab] / P(ab), and the share that gave up
    # within 10 s is F(1/6) (less the leads of the last 10 s, ~0.01 %: far below the CI).
    # Numerical integrals (quad, ~1e-10) stand in for the closed forms. Three checks at family
    # error 1e-3 over 6 one-day months of ~2,880 leads.
    overrides, dist = LAWS[law]
    big_h = 1440.0
    months = _months(MMN, ["horizon.days=1", "team.shifts[0].sellers=0", *overrides], 6, 16)
    p_ab = integrate.quad(dist.cdf, 0.0, big_h, limit=200)[0] / big_h
    waited = integrate.quad(lambda t: t * dist.pdf(t) * (big_h - t), 0.0, big_h,
                            limit=200)[0] / big_h
    expected = {
        "abandonment_rate": p_ab,
        "wait_abandoned_minutes_mean": waited / p_ab,
        "abandoned_short_share": float(dist.cdf(1 / 6)),
    }
    q = stats.t.ppf(1 - 1e-3 / len(expected) / 2, len(months) - 1)
    for name, value in expected.items():
        _assert_near(name, np.array([m[(name, ALL)] for m in months]), value, q, 0.0)
    for m in months:
        assert m[("wait_positive_share", ALL)] == 1.0
        assert m[("answered_within_target_wall", ALL)] == 0.0
        assert m[("answered_within_target_business", ALL)] == 0.0
        assert math.isnan(m[("wait_served_minutes_mean", ALL)])
        assert math.isnan(m[("wait_served_minutes_p90", ALL)])


def test_huge_team_nobody_waits() -> None:
    # 60 sellers for 8 erlangs: Erlang C(60, 8) ~ 1e-28, so no lead of the month waits: the
    # values are exact. With patience on, nobody gives up either.
    assert erlang_c(60, 8.0) < 1e-20
    (m,) = _months(ERLANG_A, ["horizon.days=2", "team.shifts[0].sellers=60"], 1, 17)
    assert m[("wait_positive_share", ALL)] == 0.0
    assert m[("wait_served_minutes_mean", ALL)] == 0.0
    assert m[("wait_served_minutes_p90", ALL)] == 0.0
    assert m[("abandonment_rate", ALL)] == 0.0
    assert m[("answered_within_target_wall", ALL)] == 1.0
    assert m[("answered_within_target_business", ALL)] == 1.0


OFFICE = """\
extends = "{base}"
name = "textbook-office-hours"

[horizon]
days = 28

[calendar]
hours = {{ mon = ["08:00-16:00"], tue = ["08:00-16:00"], wed = ["08:00-16:00"], \
thu = ["08:00-16:00"], fri = ["08:00-16:00"], sat = [], sun = [] }}

[team]
handling_unanswered = {{ dist = "exponential", mean_minutes = 0.1 }}
handling_conversation = {{ dist = "exponential", mean_minutes = 0.1 }}

[[team.shifts]]
name = "office"
weekdays = ["mon", "tue", "wed", "thu", "fri"]
start = "08:00"
end = "16:00"
sellers = 1000

[sla.tiers.only]
response_target_minutes = 30
"""


def test_business_and_wall_clock_on_office_hours(tmp_path: Path) -> None:
    # Leads arrive 24/7 at 2 per minute; 1000 sellers work Mon-Fri 08-16 (the calendar's
    # hours) with 0.1-minute calls, so a lead created in office hours is taken at once and the
    # night's backlog (at most the weekend's 7,680 leads) is cleared within 7,680 x 0.1 / 1000
    # = 0.8 minutes of opening. Target: 30 minutes. Four weeks from Monday 5 January (UTC, no
    # holiday):
    # - business clock: every attempted lead waits at most 0.8 business minutes, and leads
    #   waiting at the end (the last weekend) have no business minute left: censored. 100 %.
    # - wall clock: on time are the leads created in office hours (20 days x 480 min) and in
    #   the 30 minutes before each of the 20 openings; the leads of the last 30 minutes are
    #   censored: (9,600 + 600) / (40,320 - 30) of the arrivals, in expectation (a constant
    #   Poisson rate: the expected share of any set of minutes is its length's share). The
    #   backlog shifts the boundary by under 0.8 minutes a day (< 0.01 % of the leads).
    # - P(wait > 0): the leads created outside office hours, 30,720 / 40,320 (+ < 0.01 %).
    path = tmp_path / "office.toml"
    path.write_text(OFFICE.format(base=MMN.as_posix()), encoding="utf-8")
    months = _months(path, [], 6, 18)
    expected = {
        "answered_within_target_wall": 10_200 / 40_290,
        "wait_positive_share": 30_720 / 40_320,
    }
    # Two checks at family error 1e-3; the boundary shifts allowed as a 1e-4 bias.
    q = stats.t.ppf(1 - 1e-3 / len(expected) / 2, len(months) - 1)
    for name, value in expected.items():
        values = np.array([m[(name, ALL)] for m in months])
        _assert_near(name, values, value, q, 1e-4)
        # ~80,000 leads a month: the interval is under half a percentage point, a third of
        # the 1.5 points the 30 minutes before opening add to the office-hours share.
        assert q * values.std(ddof=1) / math.sqrt(len(months)) < 0.005, name
    for m in months:
        assert m[("answered_within_target_business", ALL)] == 1.0


def test_tiers_add_up_to_the_period() -> None:
    # Baseline (3 tiers, office hours) with a 30-minute mean patience, one month. Counts
    # behind each share add up over tiers: share x leads, mean x the leads it averages.
    scenario = load_scenario(BASE, ["routing.patience_minutes=30"])
    model, context = prepare(scenario), MetricContext.from_scenario(scenario)
    rep = run_replication(model, np.random.SeedSequence(19))
    out = replication_metrics(rep, context)
    tiers = list(scenario.tiers)

    def total(weight: str, name: str, over: list[str]) -> float:
        # A tier with nothing to average (weight 0) has a NaN mean and adds nothing.
        return sum(out[(name, t)] * out[(weight, t)] for t in over if out[(weight, t)])

    n = out[("leads_created", ALL)]
    gone = out[("leads_abandoned", ALL)]
    assert gone > 50  # the case is not empty
    for name in ("wait_positive_share", "abandonment_rate", "abandoned_short_share"):
        assert total("leads_created", name, tiers) == pytest.approx(out[(name, ALL)] * n)
    assert total("leads_abandoned", "wait_abandoned_minutes_mean", tiers) == pytest.approx(
        out[("wait_abandoned_minutes_mean", ALL)] * gone
    )
    attempted = {t: out[("leads_created", t)] - out[("leads_never_attempted", t)]
                 for t in (*tiers, ALL)}
    assert sum(out[("wait_served_minutes_mean", t)] * attempted[t] for t in tiers
               if attempted[t]) == (
        pytest.approx(out[("wait_served_minutes_mean", ALL)] * attempted[ALL])
    )
    # The service level is a share of the decided leads: the period's lies between the tiers'.
    for clock in ("wall", "business"):
        values = [out[(f"answered_within_target_{clock}", t)] for t in tiers]
        assert min(values) <= out[(f"answered_within_target_{clock}", ALL)] <= max(values)
    # The business clock stops at night: a share on it is never below the wall-clock one.
    for t in (*tiers, ALL):
        assert out[("answered_within_target_business", t)] >= out[
            ("answered_within_target_wall", t)]


def test_report_queue_table_in_both_languages() -> None:
    from slasim.measure.experiment import simulate
    from slasim.render.doc import Heading, Paragraph, Table
    from slasim.render.report.evidence import queue_blocks

    # Without patience nobody gives up: the wait of those who did is "–" in every column.
    scenario = load_scenario(MMN, ["horizon.days=1", "routing.short_abandon_seconds=7.5"])
    result = simulate(scenario, reps=2, seed=3)
    for lang, heading, seconds in (("en", "The queue", "7.5 s"), ("sv", "Kön", "7,5 s")):
        head, table, note = queue_blocks(result, lang)
        assert isinstance(head, Heading) and head.text == heading
        assert isinstance(table, Table) and isinstance(note, Paragraph)
        assert list(table.frame.index) == [metric(m).label[lang] for m in QUEUE_METRICS]
        gave_up = table.frame.loc[metric("wait_abandoned_minutes_mean").label[lang]]
        assert set(gave_up) == {"–"}
        # Sub-minute waits keep their decimals (not rounded to whole minutes).
        wait = table.frame.loc[metric("wait_served_minutes_mean").label[lang]].iloc[1]
        assert wait[1] in ".," and wait != "0", wait
        assert seconds in note.text


def test_a_menu_of_targets_scores_as_each_target_alone() -> None:
    # response_shares / attempt_shares (the optimizer's menu scoring) must be the terms' own
    # definition: exactly the value of one call per target, on real months with waiting leads
    # (whose business deadlines are computed for all targets at once) on both clocks.
    from slasim.measure.metrics import (
        attempt_share,
        attempt_shares,
        response_share,
        response_shares,
    )

    scenario = load_scenario(BASE)
    ctx = MetricContext.from_scenario(scenario)
    model = prepare(scenario)
    targets = (0.5, 5.0, 17.25, 60.0, 480.0, 2880.0, 1e6, NAN)
    seen_waiting = 0
    for seed in range(3):
        leads = run_replication(model, np.random.SeedSequence(seed)).leads
        for tier in (HOT, WARM, COLD):
            mine = leads[leads["tier"] == tier]
            seen_waiting += int(np.count_nonzero(mine["state"] == STATE["waiting"]))
            for clock in ("wall", "business"):
                each = [response_share(mine, ctx, t, clock) for t in targets]
                np.testing.assert_array_equal(response_shares(mine, ctx, targets, clock), each)
            assert attempt_shares(mine, ctx, range(1, 8)) == [
                attempt_share(mine, ctx, k) for k in range(1, 8)
            ]
    assert seen_waiting > 0  # the censored-lead branch was exercised
    assert attempt_shares(_leads([]), ctx, (1, 2)) == [1.0, 1.0]


@pytest.mark.parametrize("clock", ["business", "wall"])
def test_response_term_is_response_share_bit_for_bit(clock: str) -> None:
    # A tier's first_attempt_within_target reuses the queue metrics' service level on the
    # SLA's clock; it must be exactly response_share of the tier's leads at its target, on
    # real months with leads still waiting at the end (censored), on either clock.
    from slasim.measure.metrics import response_share

    overrides = [f"sla.tiers.{t}.response_clock={clock}" for t in ("hot", "warm", "cold")]
    scenario = load_scenario(BASE, overrides)
    ctx = MetricContext.from_scenario(scenario)
    model = prepare(scenario)
    waiting = 0
    for seed in range(3):
        rep = run_replication(model, np.random.SeedSequence(seed))
        values = replication_metrics(rep, ctx)
        for index, t in enumerate(ctx.tiers):
            mine = rep.leads[rep.leads["tier"] == index]
            waiting += int(np.count_nonzero(mine["state"] == STATE["waiting"]))
            want = response_share(mine, ctx, t.target_minutes, clock)
            got = values[("first_attempt_within_target", t.name)]
            assert t.target_clock == clock
            assert got == want or (math.isnan(got) and math.isnan(want))
    assert waiting > 0
