"""Replications, seeds and common random numbers (slasim.measure.experiment)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from stat_helpers import assert_pass_rate

from slasim.engine.records import STATES
from slasim.measure.experiment import compare, simulate, summarize
from slasim.measure.metrics import ALL
from slasim.scenario.load import load_scenario

REPS = 6  # enough to exercise the seeding and the executor; statistics are tested elsewhere


@pytest.fixture(scope="module")
def baseline(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    root = Path(request.config.rootpath)
    return load_scenario(root / "scenarios" / "baseline.toml")


@pytest.fixture(scope="module")
def base_result(baseline):  # type: ignore[no-untyped-def]
    return simulate(baseline, REPS, seed=7, keep_records=True)


def _json(result) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(result.to_dict(), sort_keys=True, allow_nan=False)


def test_same_seed_byte_identical_whatever_the_workers(baseline, base_result) -> None:  # type: ignore[no-untyped-def]
    # Contract (docs/reference/contracts.md): same scenario, seed and reps -> byte-identical JSON for any --workers.
    parallel = simulate(baseline, REPS, seed=7, workers=2)
    assert _json(parallel) == _json(base_result)
    assert parallel.replications.equals(base_result.replications)


def test_different_seed_changes_the_result(baseline, base_result) -> None:  # type: ignore[no-untyped-def]
    other = simulate(baseline, REPS, seed=8)
    created = other.metric("leads_created").to_numpy()
    assert not np.array_equal(created, base_result.metric("leads_created").to_numpy())


def test_replications_are_independent_of_the_number_of_reps(baseline, base_result) -> None:  # type: ignore[no-untyped-def]
    # Replication k uses SeedSequence(seed).spawn(reps)[k]: the first 3 of 6 equal a 3-rep run,
    # so a user who adds replications extends the experiment instead of redrawing it.
    short = simulate(baseline, 3, seed=7)
    assert short.replications.equals(base_result.replications.iloc[:3])


def test_every_lead_ends_in_exactly_one_state(base_result) -> None:  # type: ignore[no-untyped-def]
    assert base_result.records is not None
    for rep, record in enumerate(base_result.records):
        counts = np.bincount(record.leads["state"], minlength=len(STATES))
        assert counts.sum() == len(record.leads)
        assert len(record.leads) == base_result.metric("leads_created").iloc[rep]
        states = sum(
            base_result.metric(f"leads_{state}").iloc[rep] for state in STATES
        )
        assert states == len(record.leads)


def test_summary_interval_covers_the_true_mean_at_its_nominal_rate() -> None:
    # The summary's 95 % t-interval of the mean, judged on what it promises: over many seeds of
    # normal replications with a known mean it covers that mean in 95 % of cases. 300 seeds x
    # 12 columns (5 replications each; one column with a missing value, so 4 are used) =
    # 3,600 intervals: covered ~ Binomial(3600, 0.95), mean 3420, sd 13; accepted 3378..3459
    # (0.1 % each side). A z instead of t (coverage 88 %), ddof=0 (93 %), the 0.95 quantile
    # (90 %), sqrt(k) dropped or an interval not centred on the mean all fall far outside;
    # so does an interval twice too wide (coverage ~100 %).
    truth = np.linspace(-3.0, 40.0, 12)
    columns = pd.MultiIndex.from_tuples([(f"m{i}", ALL) for i in range(len(truth))])

    def covered(seed: int) -> list[bool]:
        rng = np.random.default_rng(seed)
        values = truth + rng.normal(0.0, 1.0 + np.abs(truth) / 4, (5, len(truth)))
        values[2, 0] = np.nan  # undefined in one replication: the interval uses the other 4
        summary = summarize(pd.DataFrame(values, columns=columns)).set_index("metric")
        lows = summary.loc[[c[0] for c in columns], "ci_low"].to_numpy()
        highs = summary.loc[[c[0] for c in columns], "ci_high"].to_numpy()
        return list((lows <= truth) & (truth <= highs))

    rate = assert_pass_rate(covered, range(300), 0.95, upper=True)
    assert rate.trials == 3600


def test_attainment_flags_follow_the_sla_numbers(baseline_path) -> None:  # type: ignore[no-untyped-def]
    # The per-term flags recomputed from the published KPIs and the agreement's numbers (not
    # from the engine's own flags): marketing keeps a tier's quota when leads created >= quota x
    # months, sales keeps response (share within target >= promised share) and conversion
    # (qualify rate >= target), and a side is met only when every tier keeps every term.
    # The hot tier is set so that each side is met in some months and not others (otherwise
    # "joint = marketing" or "sales = response" would pass): quota 150 ~ its mean volume,
    # response share 0.58 ~ its median share.
    scenario = load_scenario(baseline_path, ["sla.tiers.hot.quota=150",
                                             "sla.tiers.hot.response_share=0.58"])
    result = simulate(scenario, 20, seed=11)
    reps = result.replications
    months = scenario.horizon.months
    marketing = np.ones(20, dtype=bool)
    sales = np.ones(20, dtype=bool)
    for name, terms in scenario.sla.tiers.items():
        quota = reps[("leads_created", name)].to_numpy() >= terms.quota * months
        np.testing.assert_array_equal(reps[("marketing_met", name)].to_numpy(), quota)
        response = reps[("first_attempt_within_target", name)].to_numpy() >= terms.response_share
        np.testing.assert_array_equal(reps[("response_met", name)].to_numpy(), response)
        conversion = (reps[("qualify_rate", name)].to_numpy() >= terms.qualify_rate_target
                      if terms.qualify_rate_target is not None else np.ones(20, dtype=bool))
        np.testing.assert_array_equal(reps[("conversion_met", name)].to_numpy(), conversion)
        attempts = reps[("attempts_met", name)].to_numpy() == 1
        marketing &= quota
        sales &= response & attempts & conversion
    np.testing.assert_array_equal(reps[("marketing_met", ALL)].to_numpy(), marketing)
    np.testing.assert_array_equal(reps[("sales_met", ALL)].to_numpy(), sales)
    np.testing.assert_array_equal(reps[("joint_met", ALL)].to_numpy(), marketing & sales)
    # The months tell the sides apart (else the checks above could not see a mix-up).
    assert 0 < marketing.sum() < 20 and 0 < sales.sum() < 20
    assert (marketing != sales).any() and (marketing & sales).any()
    p = result.p_met
    assert p["p_met_joint"] == pytest.approx((marketing & sales).mean())
    assert p["p_met_marketing"] == pytest.approx(marketing.mean())


def test_staffing_change_sees_the_same_leads(baseline_path) -> None:  # type: ignore[no-untyped-def]
    # Common random numbers: arrivals have their own stream, so an option that only adds a
    # seller faces exactly the same leads in each replication.
    base = load_scenario(baseline_path)
    more = load_scenario(baseline_path, ["team.shifts[0].sellers=8"])
    comparison = compare([base, more], 4, seed=5)
    created = comparison.differences.query("metric == 'leads_created'")
    assert (created["mean"] == 0).all()
    util = comparison.differences.query("metric == 'seller_utilization' and tier == 'all'")
    # 8 instead of 6 sellers on the same work: utilization must drop in every replication.
    assert util["ci_high"].iloc[0] < 0
    assert util["p_better"].iloc[0] == 0.0


def test_compare_needs_two_options(baseline) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="at least two"):
        compare([baseline], 2)


def test_compare_keeps_records_of_the_same_months(baseline, base_result) -> None:  # type: ignore[no-untyped-def]
    # keep_records passes through to simulate: each option's records are those of replications
    # 0..k-1 of the seed (the same months as base_result's first k, whatever the workers), and
    # keeping them changes no metric.
    more = baseline.model_copy(update={"name": "more"})
    more = more.model_copy(update={"team": more.team.model_copy(update={"shifts": [
        more.team.shifts[0].model_copy(update={"sellers": 9}), *more.team.shifts[1:]]})})
    kept = compare([baseline, more], 3, seed=7, workers=2, keep_records=True)
    plain = compare([baseline, more], 3, seed=7)
    assert plain.results[0].records is None and plain.results[1].records is None
    assert kept.differences.equals(plain.differences)
    base, option = (r.records for r in kept.results)
    assert base is not None and option is not None and len(base) == len(option) == 3
    assert base_result.records is not None
    for rep in range(3):
        assert base[rep].leads.tobytes() == base_result.records[rep].leads.tobytes()
        # Common random numbers: the option faces the same leads, but works them faster.
        assert np.array_equal(option[rep].leads["created"], base[rep].leads["created"])
        assert np.array_equal(option[rep].leads["tier"], base[rep].leads["tier"])
        assert not np.array_equal(option[rep].leads["first_attempt"],
                                  base[rep].leads["first_attempt"], equal_nan=True)


def test_options_must_share_period_and_tiers(baseline, baseline_path, textbook_path) -> None:  # type: ignore[no-untyped-def]
    # Pairing replication k of two options only means "the same leads" when they simulate the
    # same period with the same tiers: anything else is refused, not silently "paired".
    from slasim.errors import InputError

    with pytest.raises(InputError, match="expected the tiers of the first scenario"):
        compare([baseline, load_scenario(textbook_path)], 2)
    week = load_scenario(baseline_path, ["horizon.days=7"])
    with pytest.raises(InputError, match=r"horizon.*period of the first scenario \(baseline\)"):
        compare([baseline, week], 2)


def test_share_differences_stay_within_minus_one_and_one(baseline_path) -> None:  # type: ignore[no-untyped-def]
    # With 3 replications a t-interval of a 0/1 flag's difference is wide (t_0.975,2 = 4.3);
    # a difference of two shares cannot leave [-1, 1], so the interval is clipped there.
    base = load_scenario(baseline_path)
    fast = load_scenario(baseline_path.parent / "option-fast-response.toml")
    diffs = compare([base, fast], 3, seed=1).differences
    shares = diffs[diffs["metric"].str.endswith(("_met", "_rate"))].dropna(subset=["mean"])
    assert len(shares) > 10
    assert (shares["ci_low"] >= -1).all() and (shares["ci_high"] <= 1).all()
    # ... and the clipping is not vacuous: some flag's interval reached the bound.
    assert ((shares["ci_high"] == 1.0) | (shares["ci_low"] == -1.0)).any()
