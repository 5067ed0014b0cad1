"""Wrap-up (after-call work): busy time of the seller, the first attempt's seller and end times.

The three event loops with wrap-up on are compared in tests/test_eventloop.py (CASES).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from slasim.engine.compile import Model, prepare
from slasim.engine.records import LEAD_DTYPE
from slasim.engine.replication import STREAMS, run_replication
from slasim.planning.check import check_scenario
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
TEXTBOOK = ROOT / "scenarios" / "textbook-mmn.toml"
WRAPUP = (
    'team.wrapup_conversation={dist="lognormal", mean_minutes=2, cv=0.8}',
    'team.wrapup_unanswered={dist="fixed", mean_minutes=0.5}',
)
# M/M/10 with talk 3 min (exponential) and a fixed 1-minute wrap-up after every attempt:
# lambda = 2/min, so the offered load is lambda (a + w) = 8 Erlang and utilisation 0.8.
MMN_WRAPUP = (
    "team.handling_conversation.mean_minutes=3",
    "team.handling_unanswered.mean_minutes=3",
    'team.wrapup_conversation={dist="fixed", mean_minutes=1}',
    'team.wrapup_unanswered={dist="fixed", mean_minutes=1}',
)


def model_of(path: Path, *overrides: str) -> Model:
    return prepare(load_scenario(path, overrides=overrides))


def test_streams_are_only_appended() -> None:
    # Appending keeps every other stream's index, hence its numbers for the same seed.
    assert STREAMS[:7] == (
        "arrivals", "handling", "outcomes", "shrinkage", "deals", "patience", "wrapup"
    )
    assert STREAMS[7:] == ("attrition", "conversations", "owners")


def test_without_wrapup_the_first_attempt_ends_once() -> None:
    rep = run_replication(model_of(BASELINE), np.random.SeedSequence(0))
    leads = rep.leads
    served = ~np.isnan(leads["first_attempt"])
    assert 0 < served.sum() < len(leads)  # some leads are still waiting or nurtured
    # The seller is known exactly for the leads that had a first attempt.
    assert np.array_equal(leads["seller"] >= 0, served)
    assert leads["seller"].max() < len(rep.sellers)
    np.testing.assert_array_equal(np.isnan(leads["first_end"]), ~served)
    np.testing.assert_array_equal(leads["first_wrapup_end"], leads["first_end"])
    assert np.all(leads["first_end"][served] > leads["first_attempt"][served])
    # A first attempt that reached the lead lasts a conversation (15 min mean in the baseline),
    # an unanswered one 3 min: the mean talk by outcome tells the two draws apart.
    talk = leads["first_end"] - leads["first_attempt"]
    reached = served & (leads["contacted"] == leads["first_attempt"])
    assert np.nanmean(talk[reached]) > 10 > 4 > np.nanmean(talk[served & ~reached])


def test_wrapup_moves_no_other_draw_and_lasts_what_was_asked() -> None:
    plain = run_replication(model_of(BASELINE), np.random.SeedSequence(4)).leads
    model = model_of(BASELINE, *WRAPUP)
    wrapped = run_replication(model, np.random.SeedSequence(4)).leads
    # Same leads (common random numbers): the wrap-up draws come from their own stream.
    np.testing.assert_array_equal(wrapped["created"], plain["created"])
    np.testing.assert_array_equal(wrapped["tier"], plain["tier"])
    served = ~np.isnan(wrapped["first_attempt"])
    reached = served & (wrapped["contacted"] == wrapped["first_attempt"])
    wrap = wrapped["first_wrapup_end"] - wrapped["first_end"]
    np.testing.assert_allclose(wrap[served & ~reached], 0.5, rtol=1e-9)
    # Lognormal wrap-up, mean 2, cv 0.8: the sample mean of ~600 draws is within 5 standard
    # errors (sd 1.6 / sqrt(600) = 0.065) of 2.
    n = int(reached.sum())
    assert n > 300
    assert abs(wrap[reached].mean() - 2.0) < 5 * 1.6 / math.sqrt(n)
    # The talk itself is the handling draw: the same first-attempt talk as without wrap-up
    # for every lead whose first attempt started at the same time with the same outcome.
    same = served & (wrapped["first_attempt"] == plain["first_attempt"]) & (
        (wrapped["contacted"] == wrapped["first_attempt"])
        == (plain["contacted"] == plain["first_attempt"])
    )
    assert same.sum() > 50
    np.testing.assert_array_equal(wrapped["first_end"][same], plain["first_end"][same])


def test_busy_time_is_talk_plus_wrapup_of_every_attempt() -> None:
    # One attempt per lead (textbook case): the sellers' busy + overtime is exactly the sum
    # of the leads' first attempts from start to the end of the wrap-up, cut at the horizon.
    model = model_of(TEXTBOOK, "horizon.days=2", *MMN_WRAPUP)
    rep = run_replication(model, np.random.SeedSequence(5))
    leads = rep.leads
    served = ~np.isnan(leads["first_attempt"])
    end = np.minimum(leads["first_wrapup_end"][served], model.horizon_minutes)
    work = float((end - leads["first_attempt"][served]).sum())
    total = float(rep.sellers["busy_minutes"].sum() + rep.sellers["overtime_minutes"].sum())
    assert total == pytest.approx(work, rel=1e-9)
    # Per seller too: the seller recorded on each lead is the one who was busy with it.
    per_seller = np.bincount(
        leads["seller"][served], weights=end - leads["first_attempt"][served],
        minlength=len(rep.sellers),
    )
    np.testing.assert_allclose(
        per_seller, rep.sellers["busy_minutes"] + rep.sellers["overtime_minutes"], rtol=1e-9
    )
    np.testing.assert_allclose(
        leads["first_wrapup_end"][served] - leads["first_end"][served], 1.0, rtol=1e-9
    )


@pytest.mark.parametrize("loop", ["fast", "simpy"])
def test_a_seller_starts_the_next_first_attempt_after_the_wrapup(loop: str) -> None:
    # One seller, long calls and wrap-up: the seller recorded on each lead really was free,
    # so a seller's first attempts, in time order, never start before the previous wrap-up end.
    model = model_of(BASELINE, "horizon.days=7", "team.shifts[0].sellers=2", *WRAPUP)
    leads = run_replication(model, np.random.SeedSequence(6), loop=loop).leads
    checked = 0
    for s in range(model.n_sellers):
        mine = np.flatnonzero(leads["seller"] == s)
        order = mine[np.argsort(leads["first_attempt"][mine], kind="stable")]
        start, free = leads["first_attempt"][order], leads["first_wrapup_end"][order]
        assert np.all(start[1:] >= free[:-1])
        checked += len(order)
    assert checked == int((~np.isnan(leads["first_attempt"])).sum()) > 100


def test_utilization_with_wrapup_matches_check_and_little() -> None:
    # M/M/10 with exponential talk a = 3 min and a fixed wrap-up w = 1 min after every attempt,
    # lambda = 2/min, 24/7 without breaks: by Little's law the mean number of busy sellers is
    # lambda (a + w) = 8, utilisation lambda (a + w) / n = 0.8, whatever the service
    # distribution. `check` must count the same work (a + w per attempt). Replication
    # utilizations are i.i.d.; their 99.9 % t-interval must hold 0.8 (a correct engine fails one
    # seed in a thousand; the seeds are fixed). Per replication (10 days, lambda T = 28,800
    # leads) the work is compound Poisson: sd sqrt(lambda T E[S^2]) = sqrt(28,800 x 25) = 849
    # minutes of 115,200, 0.74 %, so ~0.006 in utilisation. The empty start costs ~A (a + w)
    # = 32 seller-minutes of 144,000: 2e-4, far inside the interval.
    scenario = load_scenario(TEXTBOOK, overrides=MMN_WRAPUP)
    checked = check_scenario(scenario)
    assert checked.utilization == pytest.approx(0.8, rel=1e-3)
    assert checked.tiers["work_minutes_per_lead"].iloc[0] == pytest.approx(4.0)
    model = prepare(scenario)
    reps = 12
    util = []
    for seed in np.random.SeedSequence(20261201).spawn(reps):
        sellers = run_replication(model, seed).sellers
        util.append(float(sellers["busy_minutes"].sum() / sellers["available_minutes"].sum()))
    x = np.array(util)
    half = stats.t.ppf(1 - 0.001 / 2, reps - 1) * x.std(ddof=1) / math.sqrt(reps)
    assert abs(x.mean() - checked.utilization) < half, (x.mean(), half)
    # Narrow enough to tell the wrap-up apart: without it the utilisation would be 0.6.
    assert half < 0.015


def test_lead_dtype_fields_and_size() -> None:
    assert LEAD_DTYPE["seller"] == np.dtype(np.int32)
    assert LEAD_DTYPE["first_end"] == LEAD_DTYPE["first_wrapup_end"] == np.dtype(np.float64)
    assert LEAD_DTYPE["owner"] == np.dtype(np.int32)
    assert LEAD_DTYPE["conversations"] == np.dtype(np.int16)
    assert LEAD_DTYPE.itemsize == 88  # the engine's docstring gives the bytes per lead


def test_by_default_the_owner_made_the_first_attempt_and_a_contact_is_one_conversation() -> None:
    leads = run_replication(model_of(BASELINE), np.random.SeedSequence(3)).leads
    assert np.array_equal(leads["owner"], leads["seller"])
    contacted = ~np.isnan(leads["contacted"])
    assert 0 < contacted.sum() < len(leads)
    assert np.array_equal(leads["conversations"], contacted.astype(np.int16))
