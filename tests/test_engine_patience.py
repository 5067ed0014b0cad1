"""Exponential patience in the engine: Erlang A agreement, limits, CRN and no-patience regression."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import recfunctions as rfn
from records_regression import check_records
from scipy import stats

from slasim.analytic import erlang_a
from slasim.engine.compile import Model, prepare
from slasim.engine.records import STATES
from slasim.engine.replication import Replication, run_replication
from slasim.measure.experiment import simulate
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
TEXTBOOK = ROOT / "scenarios" / "textbook-mmn.toml"
ERLANG_A = ROOT / "scenarios" / "textbook-erlang-a.toml"
NURTURED = STATES.index("nurtured")

# The lead fields that existed before `abandoned` was added; the regression records cover them.
OLD_FIELDS = [
    "tier", "created", "first_attempt", "response_business", "attempts", "contacted",
    "qualified", "opportunity", "state", "closed", "value",
]


def model_of(path: Path, *overrides: str) -> Model:
    return prepare(load_scenario(path, overrides=overrides))


def run(model: Model, seed: int = 0) -> Replication:
    return run_replication(model, np.random.SeedSequence(seed))


# The seller fields that existed before `overtime_minutes` was added. The stored records below
# predate it and still hold on these fields: the overtime split is accounting only (and on the
# 24/7 textbook calendar without breaks busy_minutes does not change either).
OLD_SELLER_FIELDS = ["shift", "available_minutes", "busy_minutes"]


def digest(rep: Replication) -> str:
    h = hashlib.sha256(rfn.repack_fields(rep.leads[OLD_FIELDS]).tobytes())
    h.update(rfn.repack_fields(rep.sellers[OLD_SELLER_FIELDS]).tobytes())
    return h.hexdigest()


# -- no patience: the same records as the engine before patience existed --------------------

# Records (pre-patience fields) and seller records, stored in tests/data/regression/ (see
# tests/records_regression.py for the comparison, its tolerance and how to regenerate). They
# were written by the current engine on the machine where the SHA-256 hashes computed with the
# engine *before* patience was added (same seeds) still held, so they are those records:
# patience must not move any number when it is off. They pin numpy's PCG64 streams too: a
# numpy upgrade that changes a distribution would show here first (then regenerate them on the
# commit before the change, never from the new code).
REGRESSION = [
    ((), 0, "patience-off-textbook-seed0"),
    (("routing.age_cutoff_minutes=5",), 0, "patience-off-textbook-cutoff5-seed0"),
    (
        (
            "routing.policy=value_index", "routing.age_cutoff_minutes=3",
            "team.shifts[0].sellers=9", "horizon.days=2",
        ),
        7,
        "patience-off-textbook-value-index-seed7",
    ),
]


@pytest.mark.parametrize(("overrides", "seed", "name"), REGRESSION)
def test_no_patience_records_are_unchanged(
    overrides: tuple[str, ...], seed: int, name: str
) -> None:
    rep = run(model_of(TEXTBOOK, *overrides), seed)
    assert np.isnan(rep.leads["abandoned"]).all()
    check_records(name, leads=rep.leads[OLD_FIELDS], sellers=rep.sellers[OLD_SELLER_FIELDS])


# -- limits and common random numbers -------------------------------------------------------


def test_huge_patience_is_no_patience_exactly() -> None:
    # Mean patience 1e12 min: P(a lead's patience < 1e4 min, far beyond the 2-day horizon) is
    # 1e-8 per lead, so nobody abandons and every pick is the same as without patience. (The
    # schema stops at one year of minutes: the engine gets the value past validation.)
    common = ("horizon.days=2", "team.shifts[0].sellers=9")
    none = run(model_of(TEXTBOOK, *common), 5)
    scenario = load_scenario(TEXTBOOK, overrides=common)
    routing = scenario.routing.model_copy(update={"patience_minutes": 1e12})
    huge = run(prepare(scenario.model_copy(update={"routing": routing})), 5)
    short = run(model_of(TEXTBOOK, *common, "routing.patience_minutes=2"), 5)
    assert np.isnan(huge.leads["abandoned"]).all()
    assert digest(huge) == digest(none)
    # ...whereas a real patience does change the month (the comparison can fail).
    assert (~np.isnan(short.leads["abandoned"])).sum() > 100
    assert digest(short) != digest(none)


def test_patience_keeps_other_streams_and_is_shared_across_staffing() -> None:
    base = run(model_of(TEXTBOOK, "horizon.days=2"), 3)  # the same queue without patience
    nine = run(model_of(ERLANG_A, "horizon.days=2", "team.shifts[0].sellers=9"), 3)
    ten = run(model_of(ERLANG_A, "horizon.days=2"), 3)
    # Switching patience on moves no arrival: the patience stream is a child of its own.
    assert np.array_equal(base.leads["created"], ten.leads["created"])
    assert np.array_equal(nine.leads["created"], ten.leads["created"])
    # A lead that abandons under both staffings had the same patience in both (CRN).
    both = ~np.isnan(nine.leads["abandoned"]) & ~np.isnan(ten.leads["abandoned"])
    assert both.sum() > 50
    assert np.array_equal(nine.leads["abandoned"][both], ten.leads["abandoned"][both])
    # Fewer sellers, more abandonment (same leads and patience; ~4 % vs ~10 % of leads).
    assert np.isnan(nine.leads["abandoned"]).sum() < np.isnan(ten.leads["abandoned"]).sum()


@pytest.mark.parametrize("policy", ["fifo", "newest_first", "tier_priority", "value_index"])
def test_abandoned_records_are_consistent(policy: str) -> None:
    model = model_of(
        ERLANG_A, "horizon.days=1", "team.shifts[0].sellers=8", f"routing.policy={policy}"
    )
    leads = run(model, 11).leads
    gone = ~np.isnan(leads["abandoned"])
    assert gone.sum() > 100  # 8 sellers for 8 erlangs: heavy abandonment
    assert np.all(leads["state"][gone] == NURTURED)
    assert np.all(leads["attempts"][gone] == 0)
    assert np.all(np.isnan(leads["first_attempt"][gone]))
    assert np.all(leads["abandoned"][gone] > leads["created"][gone])
    assert np.all(leads["abandoned"][gone] <= model.horizon_minutes)
    # Nobody is served after their patience ran out: served leads' patience is unknown here,
    # but every lead that was dropped for patience was still unserved at its deadline.
    counts = np.bincount(leads["state"], minlength=len(STATES))
    assert counts.sum() == len(leads)


def test_patience_and_age_cutoff_combine() -> None:
    # Patience mean 10, cut-off 3 minutes: whichever comes first takes the lead out.
    leads = run(
        model_of(ERLANG_A, "horizon.days=1", "team.shifts[0].sellers=8",
                 "routing.age_cutoff_minutes=3"),
        2,
    ).leads
    served = ~np.isnan(leads["first_attempt"])
    wait = leads["first_attempt"][served] - leads["created"][served]
    assert wait.max() <= 3.0
    gone = ~np.isnan(leads["abandoned"])
    assert 0 < gone.sum() and np.all(leads["abandoned"][gone] - leads["created"][gone] < 3.0)
    cut = (leads["attempts"] == 0) & ~gone & (leads["state"] == NURTURED)
    assert cut.sum() > 0  # some leads reached the cut-off before their patience


def test_leads_abandoned_metric_counts_the_records() -> None:
    scenario = load_scenario(ERLANG_A, overrides=["horizon.days=1"])
    result = simulate(scenario, reps=2, seed=4, keep_records=True)
    assert result.records is not None
    expected = [float((~np.isnan(r.leads["abandoned"])).sum()) for r in result.records]
    assert result.metric("leads_abandoned").tolist() == expected
    assert min(expected) > 0


# -- Erlang A ------------------------------------------------------------------------------


def test_engine_matches_erlang_a() -> None:
    """P(abandon), P(W > 0), E[W] and E[W | served] of the engine vs the Erlang A formulas.

    Each replication is a 10-day month of ~28,800 leads; the per-replication shares and means
    are independent across replications, so their mean over ``reps`` has a Student-t CI. The
    first hour (the queue starts empty) and the last two hours (leads still waiting are
    censored) are left out; E[W] relaxes in minutes, so the remaining bias is far below the CI.
    The four checks share a family error rate of 1e-3 (Bonferroni: 2.5e-4 each), so a correct
    engine fails this test about once in a thousand seeds; the fixed seed makes it
    deterministic. The CI half-widths are asserted small too (a few percent of each value), so
    the agreement is a real test, not a wide interval.
    """
    model = model_of(ERLANG_A)
    reps = 12
    theory = erlang_a(10, 2.0, 0.25, 0.1)
    rows = []
    for r in range(reps):
        leads = run(model, 1000 + r).leads
        keep = (leads["created"] >= 60.0) & (leads["created"] <= model.horizon_minutes - 120.0)
        lead = leads[keep]
        gone = ~np.isnan(lead["abandoned"])
        served = ~np.isnan(lead["first_attempt"])
        assert np.all(gone | served)  # nobody left unresolved after the 2-hour margin
        wait = np.where(gone, lead["abandoned"] - lead["created"],
                        lead["first_attempt"] - lead["created"])
        rows.append([gone.mean(), (wait > 0).mean(), wait.mean(), wait[served].mean()])
    values = np.array(rows)
    mean = values.mean(axis=0)
    half = stats.t.ppf(1 - 2.5e-4 / 2, reps - 1) * values.std(axis=0, ddof=1) / math.sqrt(reps)
    expected = np.array([
        theory.abandon_probability, theory.wait_probability, theory.mean_wait,
        theory.mean_wait_served,
    ])
    names = ["P(abandon)", "P(W>0)", "E[W]", "E[W | served]"]
    for name, m, h, e in zip(names, mean, half, expected, strict=True):
        assert abs(m - e) <= h, f"{name}: engine {m:.5f} +- {h:.5f}, Erlang A {e:.5f}"
        assert h < 0.1 * e, f"{name}: CI half-width {h:.5f} too wide to test {e:.5f}"
