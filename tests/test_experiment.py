"""Replications, seeds and common random numbers (slasim.experiment)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from slasim.engine import STATES
from slasim.experiment import compare, simulate
from slasim.loader import load_scenario
from slasim.metrics import ALL

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
    # DESIGN.md contract: same scenario, seed and reps -> byte-identical JSON for any --workers.
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


def test_summary_interval_contains_its_mean(base_result) -> None:  # type: ignore[no-untyped-def]
    summary = base_result.summary.dropna(subset=["mean"])
    assert (summary["ci_low"] <= summary["mean"] + 1e-9).all()
    assert (summary["mean"] <= summary["ci_high"] + 1e-9).all()
    assert (summary["p10"] <= summary["p90"] + 1e-9).all()


def test_joint_attainment_is_at_most_each_side(base_result) -> None:  # type: ignore[no-untyped-def]
    p = base_result.p_met
    assert p["p_met_joint"] <= min(p["p_met_marketing"], p["p_met_sales"])
    joint = base_result.metric("joint_met", ALL)
    both = base_result.metric("marketing_met", ALL) * base_result.metric("sales_met", ALL)
    assert joint.equals(both)


def test_identical_options_have_exactly_zero_paired_difference(baseline) -> None:  # type: ignore[no-untyped-def]
    comparison = compare([baseline, baseline], 4, seed=3)
    diffs = comparison.differences.dropna(subset=["mean"])
    assert len(diffs) > 50
    assert (diffs["mean"] == 0).all()
    assert (diffs["ci_low"] == 0).all() and (diffs["ci_high"] == 0).all()


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

    with pytest.raises(InputError, match="expected the same tiers"):
        compare([baseline, load_scenario(textbook_path)], 2)
    week = load_scenario(baseline_path, ["horizon.days=7"])
    with pytest.raises(InputError, match=r"horizon.*expected the base 'baseline'"):
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
