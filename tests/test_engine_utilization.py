"""Seller time accounting: utilization within availability, overtime, conservation of time."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from records_regression import check_records
from scipy import stats

from slasim.engine.compile import Model, prepare
from slasim.engine.replication import STREAMS, Replication, run_replication
from slasim.measure.experiment import simulate
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
TEXTBOOK = ROOT / "scenarios" / "textbook-mmn.toml"

# The reviewer's two overloads of the baseline (utilization was 105 % and 117 % before the
# overtime split): one seller for 1,500 leads, and hour-long conversations for six sellers.
OVERLOADS = pytest.mark.parametrize(
    "overrides",
    [
        ("team.shifts[0].sellers=1",),
        ("team.handling_conversation.mean_minutes=60",),
        ("team.shifts[0].sellers=1", "team.handling_conversation.mean_minutes=60"),
    ],
    ids=["one-seller", "long-calls", "both"],
)


def model_of(path: Path, *overrides: str) -> Model:
    return prepare(load_scenario(path, overrides=overrides))


def handling_per_lead(model: Model, rep: Replication, seed: int) -> np.ndarray:
    """Handling minutes of every attempt each lead got, redrawn from the documented streams.

    ``handling/0`` (conversations) and ``handling/1`` (unanswered) are ``(max_attempts, n)``
    blocks of the replication's ``handling`` child. A lead's attempts stop at the contact, so
    a contacted lead's last attempt is its conversation and all earlier ones went unanswered.
    """
    leads = rep.leads
    n, m = len(leads), model.max_attempts
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))[STREAMS.index("handling")]
    conv_ss, unans_ss = children.spawn(2)
    h_conv = model.conversation.draw(np.random.default_rng(conv_ss), (m, n))
    h_unans = model.unanswered.draw(np.random.default_rng(unans_ss), (m, n))
    attempts = leads["attempts"].astype(np.int64)
    made = np.arange(m)[:, None] < attempts[None, :]
    last = np.arange(m)[:, None] == (attempts - 1)[None, :]
    contacted = ~np.isnan(leads["contacted"])
    per_attempt = np.where(last & contacted[None, :], h_conv, h_unans)
    return np.where(made, per_attempt, 0.0)


@OVERLOADS
def test_overload_utilization_at_most_one_with_overtime(overrides: tuple[str, ...]) -> None:
    model = model_of(BASELINE, *overrides)
    sellers = run_replication(model, np.random.SeedSequence(3)).sellers
    busy, over, avail = sellers["busy_minutes"], sellers["overtime_minutes"], sellers["available_minutes"]
    # Busy time is counted inside availability only, seller by seller.
    assert np.all(busy <= avail * (1 + 1e-12))
    assert np.all(over >= 0)
    # The overload is real: the sellers handle more than their available time (so the old
    # accounting, busy + overtime, was above 100 %), and the excess shows up as overtime.
    assert (busy + over).sum() > avail.sum()
    assert over.sum() > 0.01 * avail.sum()
    # Nearly saturated: a backlog all month leaves idle time only where breaks or shift ends
    # cut an attempt short of the next one.
    assert busy.sum() / avail.sum() > 0.9


@OVERLOADS
def test_utilization_and_overtime_metrics(overrides: tuple[str, ...]) -> None:
    scenario = load_scenario(BASELINE, overrides=overrides)
    result = simulate(scenario, reps=2, seed=0, keep_records=True)
    assert result.records is not None
    util = result.metric("seller_utilization").to_numpy()
    over = result.metric("seller_overtime_minutes").to_numpy()
    assert np.all(util <= 1.0) and np.all(util > 0.9)
    expected = [float(r.sellers["overtime_minutes"].sum()) for r in result.records]
    assert over.tolist() == expected and min(expected) > 0


@pytest.mark.parametrize(
    ("overrides", "seed"),
    [
        ((), 0),  # the baseline: breaks (shrinkage 0.25) cut some attempts short
        (("team.shifts[0].sellers=1", "team.handling_conversation.mean_minutes=60"), 1),
        (("team.handling_conversation.mean_minutes=60",), 2),
    ],
    ids=["baseline", "one-seller-long-calls", "long-calls"],
)
def test_busy_plus_overtime_is_all_handling_time(overrides: tuple[str, ...], seed: int) -> None:
    model = model_of(BASELINE, *overrides)
    rep = run_replication(model, np.random.SeedSequence(seed))
    handling = handling_per_lead(model, rep, seed)
    # Precondition for exactness: no attempt is cut by the horizon end (the engine counts only
    # the part inside the period). Every attempt starts inside a shift, so it is enough that
    # the last shift end plus the longest attempt made is before the horizon.
    last_shift_end = float(model.shift_days[0][-1, 1])
    assert last_shift_end + handling.max() < model.horizon_minutes
    sellers = rep.sellers
    total = float(sellers["busy_minutes"].sum() + sellers["overtime_minutes"].sum())
    assert total == pytest.approx(float(handling.sum()), rel=1e-12)
    assert sellers["overtime_minutes"].sum() > 0  # the split really happened


def test_textbook_utilization_matches_erlang_occupancy_without_overtime() -> None:
    # M/M/10, lambda = 2/min, 4-minute handling, 24/7 without breaks: occupancy is
    # lambda / (n mu) = 0.8. The system starts empty; the busy-time deficit of the warm-up is
    # about A / mu = 32 seller-minutes out of 10 x 14,400, i.e. 2e-4 relative, far inside the
    # CI below. Replication utilizations are i.i.d.: their 99.9 % t-interval must hold 0.8 (a
    # correct engine fails one seed in a thousand; the seeds are fixed). One shift interval
    # covers the whole horizon, so no attempt can run outside availability: overtime is 0
    # exactly (an attempt still running at the horizon end is cut there, not overtime).
    model = model_of(TEXTBOOK)
    reps = 12
    util = []
    for seed in np.random.SeedSequence(20261127).spawn(reps):
        sellers = run_replication(model, seed).sellers
        assert np.all(sellers["overtime_minutes"] == 0.0)
        util.append(float(sellers["busy_minutes"].sum() / sellers["available_minutes"].sum()))
    x = np.array(util)
    half = stats.t.ppf(1 - 0.001 / 2, reps - 1) * x.std(ddof=1) / math.sqrt(reps)
    assert abs(x.mean() - 0.8) < half, (x.mean(), half)
    # Narrow enough to be a real check: a utilization off by 2 points (0.78) would fail.
    # The per-replication sd is ~0.008 (Poisson arrival count alone gives 0.8 x 0.6 %).
    assert half < 0.015


# The whole lead records of the baseline (breaks, shift ends) as the engine wrote them *before*
# the overtime split (same seeds): the split is accounting only and must not move a lead. Stored
# in tests/data/regression/ (written by the current engine on a machine where the SHA-256 of
# the pre-split records still held; see tests/records_regression.py for the tolerance).
# tests/test_engine_patience.py pins the 24/7 textbook case the same way.
LEADS_BEFORE_SPLIT = [
    ((), 0, "split-baseline-seed0"),
    (
        ("team.shifts[0].sellers=1", "team.handling_conversation.mean_minutes=60"),
        1,
        "split-baseline-one-seller-long-calls-seed1",
    ),
]


@pytest.mark.parametrize(("overrides", "seed", "name"), LEADS_BEFORE_SPLIT)
def test_lead_records_unchanged_by_the_split(
    overrides: tuple[str, ...], seed: int, name: str
) -> None:
    rep = run_replication(model_of(BASELINE, *overrides), np.random.SeedSequence(seed))
    check_records(name, leads=rep.leads)


@pytest.mark.parametrize(("overrides", "before"), [
    (["horizon.days=7", "horizon.start=2026-04-13"], 0.3027),  # a week from a Monday
    ([], 0.3243),  # the baseline month (the old screen's values, printed to 4 places)
])
def test_checks_utilisation_counts_the_work_inside_the_horizon(
    overrides: list[str], before: float
) -> None:
    # check's utilisation counted every attempt of a lead's 10-day cadence and the weekend
    # leads' first attempts, though the simulation stops at the horizon's end: 30 % for a week
    # the simulation keeps 20 % busy. It counts the work inside the horizon now.
    from slasim.planning.check import check_scenario

    scenario = load_scenario(BASELINE, ["team.shifts[0].sellers=10", *overrides])
    checked = check_scenario(scenario).utilization
    sim = simulate(scenario, reps=20, seed=3).metric("seller_utilization")
    # The simulated mean is known to +-1 point (20 replications, sd ~2 points); the screen
    # ignores queueing delays (which push attempts past the end), so it may sit a little high:
    # within 15 % of the simulated utilisation (the old count was 50 % and 7 % above it).
    assert checked == pytest.approx(sim.mean(), rel=0.15), (checked, sim.mean())
    assert checked < before - 0.01
