"""The fast event loops against the simpy reference: identical records.

Three loops run the same model: the compiled one (slasim.engine.jitloop, numba), the pure-Python one
(slasim.engine.eventloop) and simpy (slasim.engine.simpyloop). They run on the same machine in the same
process, so the comparison is exact (NaN where NaN, every float bit for bit): the fast loops
must schedule the same events in the same order and do the same arithmetic. The cases cover every branch of the handlers: each
routing policy, the age cut-off and patience (stale leads), shrinkage and none (interval
ends, overtime splits), overload (backlogs, idle-free stretches), retries on the business clock
and on the wall clock, 24/7 calendars, a late shift that runs past closing time, warm-up days
(seller minutes counted from the horizon start) wrap-up after both outcomes, and follow-up conversations. Every lead
field is compared, including the first attempt's seller.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from slasim.engine import jitloop
from slasim.engine.compile import prepare
from slasim.engine.replication import Replication, run_replication
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
TEXTBOOK_A = ROOT / "scenarios" / "textbook-erlang-a.toml"
POWER_LAW = 'decay.contact={kind="power_law", scale_minutes=30, exponent=0.5}'
WRAPUP = (
    'team.wrapup_conversation={dist="lognormal", mean_minutes=2, cv=0.8}',
    'team.wrapup_unanswered={dist="gamma", mean_minutes=0.5, cv=0.5}',
)

CASES = [
    (BASELINE, ()),
    (BASELINE, ("routing.policy=tier_priority",)),
    (BASELINE, ("routing.policy=value_index",)),
    (BASELINE, ("routing.policy=newest_first",)),
    (BASELINE, ("routing.age_cutoff_minutes=600",)),
    (BASELINE, ("routing.patience_minutes=300", "routing.age_cutoff_minutes=200",
                "routing.policy=tier_priority")),
    (BASELINE, ("routing.patience_minutes=120", "routing.policy=value_index")),
    # Patience laws other than the exponential (routing.patience): deadlines from quantiles,
    # some infinite (the empirical table's share that never abandons).
    (BASELINE, ("routing.patience.dist=lognormal", "routing.patience.mean_minutes=240",
                "routing.patience.cv=1.3", "routing.age_cutoff_minutes=600",
                "routing.policy=tier_priority")),
    (BASELINE, ("routing.patience.dist=weibull", "routing.patience.mean_minutes=180",
                "routing.patience.cv=0.6", "routing.policy=value_index")),
    (BASELINE, ("routing.patience.dist=empirical", "routing.patience.minutes=[30, 120, 600]",
                "routing.patience.abandoned_share=[0.1, 0.3, 0.6]")),
    (ROOT / "scenarios" / "textbook-mmn.toml", (
        "routing.patience.dist=weibull", "routing.patience.mean_minutes=3",
        "routing.patience.cv=2.5", "routing.policy=newest_first", "horizon.days=3")),
    (BASELINE, ("team.shrinkage=0",)),
    (BASELINE, ("team.shifts[0].sellers=1", "team.handling_conversation.mean_minutes=60")),
    (BASELINE, ("cadence.business_hours_only=false",)),
    (BASELINE, ('team.shifts[0].start="13:00"', 'team.shifts[0].end="24:00"',
                "team.work_holidays=true")),
    (BASELINE, (POWER_LAW,)),
    (BASELINE, ('decay.contact={kind="table", ages_minutes=[0, 60, 600], factors=[1, 0.5, 0.2]}',
                "routing.policy=tier_priority")),
    (TEXTBOOK_A, ()),
    (TEXTBOOK_A, ("routing.age_cutoff_minutes=5",)),
    (ROOT / "scenarios" / "olist-marketplace.toml", ()),
    (ROOT / "scenarios" / "textbook-mmn.toml", ()),
    # Warm-up: busy and overtime count from the horizon start (an attempt running at the start,
    # a split across it), the records from it. The baseline's 3 days start on the DST change
    # (29 March); the night shift ends at the start; value_index runs the Python loop.
    (BASELINE, ("horizon.warmup_days=3",)),
    (BASELINE, ("horizon.warmup_days=1", 'team.shifts[0].start="13:00"',
                'team.shifts[0].end="24:00"', "team.handling_conversation.mean_minutes=60",
                "team.handling_unanswered.mean_minutes=60", "team.shifts[0].sellers=2")),
    (BASELINE, ("horizon.warmup_days=2", "routing.patience_minutes=120",
                "routing.policy=value_index", "cadence.business_hours_only=false")),
    (TEXTBOOK_A, ("horizon.warmup_days=1", "horizon.days=2")),
    # Wrap-up: longer busy times, later retries, overtime past breaks and shift ends.
    (BASELINE, WRAPUP),
    (BASELINE, (*WRAPUP, "routing.policy=value_index")),
    (BASELINE, (*WRAPUP[1:], "team.shifts[0].sellers=2", "cadence.business_hours_only=false")),
    (TEXTBOOK_A, WRAPUP[:1]),
    (BASELINE, ("horizon.warmup_days=1", *WRAPUP)),  # end times shifted with the warm-up
    # Lead ownership (slasim.engine.ownership): per-seat queues, owners assigned at creation, retries
    # kept with the owner; every policy's merge of a seat's queue with the shared one.
    (BASELINE, ("routing.owner=round_robin",)),
    (BASELINE, ("routing.owner=round_robin", "routing.keep_owner=true",
                "routing.policy=tier_priority", "routing.age_cutoff_minutes=600")),
    (BASELINE, ("routing.keep_owner=true", "routing.policy=newest_first",
                "routing.patience_minutes=300")),
    (BASELINE, ("routing.owner=weighted", "routing.keep_owner=true", "routing.policy=value_index",
                "horizon.warmup_days=1", *WRAPUP)),
    (BASELINE, ("routing.keep_owner=true", 'team.shifts[0].start="13:00"',
                'team.shifts[0].end="24:00"', "team.shifts[0].sellers=2",
                "team.handling_conversation.mean_minutes=60")),
    (TEXTBOOK_A, ("routing.owner=round_robin", "routing.keep_owner=true")),
    # Follow-up conversations (Python loops only): booked call-backs in the ready queue with
    # the retries, on the business clock (next opening) and the wall clock, with a spread of
    # propensities, disqualification, wrap-up, the window and the horizon cutting them.
    (BASELINE, ("cadence.max_conversations=4", "cadence.follow_up_days=1",
                "tiers.warm.propensity_concentration=0.8", "tiers.cold.disqualify_rate=0.2")),
    (BASELINE, ("cadence.max_conversations=3", "cadence.follow_up_days=0.1",
                "cadence.business_hours_only=false", "routing.policy=tier_priority",
                "tiers.hot.propensity_concentration=2", *WRAPUP)),
    (BASELINE, ("cadence.max_conversations=5", "cadence.follow_up_days=3",
                "routing.policy=value_index", "routing.patience_minutes=300",
                "horizon.warmup_days=2")),
    (TEXTBOOK_A, ("cadence.max_conversations=3", "cadence.follow_up_days=0.01",
                  "tiers.only.base_qualify=0.4", "tiers.only.propensity_concentration=1")),
    # Follow-ups kept with the lead's owner (keep_owner): call-backs wait in the owner's queue.
    (BASELINE, ("cadence.max_conversations=3", "cadence.follow_up_days=2",
                "routing.owner=round_robin", "routing.keep_owner=true")),
    (BASELINE, ("cadence.max_conversations=3", "cadence.follow_up_days=1",
                "routing.keep_owner=true", "routing.policy=value_index")),
]


def assert_identical(fast: Replication, ref: Replication) -> None:
    assert fast.leads.dtype == ref.leads.dtype and fast.leads.shape == ref.leads.shape
    for table in ("leads", "sellers"):
        a, b = getattr(fast, table), getattr(ref, table)
        for name in a.dtype.names or ():
            # assert_array_equal: exact, NaN only where the reference has NaN.
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"{table}.{name}")


@pytest.mark.parametrize(("path", "overrides"), CASES, ids=lambda v: str(v)[-40:])
def test_fast_loops_records_equal_the_simpy_loop(path: Path, overrides: tuple[str, ...]) -> None:
    model = prepare(load_scenario(path, overrides=overrides))
    for seed in (0, 1):
        ref = run_replication(model, np.random.SeedSequence(seed), loop="simpy")
        assert len(ref.leads) > 0
        # The first attempt's seller is recorded by the loops (compared field by field below).
        assert (ref.leads["seller"] >= 0).any()
        for loop in ("fast", "python"):
            assert_identical(run_replication(model, np.random.SeedSequence(seed), loop=loop), ref)


@pytest.mark.parametrize(
    ("overrides", "compiled"),
    [
        ((), True),
        (("routing.policy=tier_priority", "routing.patience_minutes=60"), True),
        (("routing.patience.dist=empirical", "routing.patience.minutes=[30, 120]",
          "routing.patience.abandoned_share=[0.1, 0.5]"), True),
        (("routing.policy=value_index",), False),  # curve objects in the pick: Python loop
        ((POWER_LAW,), False),  # a curve object in the contact probability: Python loop
        # Per-seat queues (lead ownership): the documented fallback to the Python loop.
        (("routing.owner=round_robin",), False),
        (("routing.owner=weighted",), False),
        (("routing.keep_owner=true",), False),
        (("routing.owner=first_attempt", "routing.keep_owner=false"), True),
        (("cadence.max_conversations=2",), False),  # follow-ups: Python loop
        (("tiers.hot.propensity_concentration=1",), True),  # propensity after the run
    ],
)
def test_the_compiled_loop_covers_the_common_models(
    overrides: tuple[str, ...], compiled: bool
) -> None:
    # The cases above are only worth as much as the loop they exercise: the baseline and its
    # variants must run compiled, the rest falls back to the Python loop.
    assert jitloop.covers(prepare(load_scenario(BASELINE, overrides=overrides))) is compiled


def test_unknown_loop_names_the_value() -> None:
    model = prepare(load_scenario(TEXTBOOK_A, overrides=["horizon.days=1"]))
    with pytest.raises(ValueError, match=r"loop\(='numba'\)"):
        run_replication(model, np.random.SeedSequence(0), loop="numba")


def test_one_compiled_version_serves_every_model() -> None:
    # numba compiles once per argument type (seconds each): read-only calendar arrays or a
    # replayed trace must not add a version. Calendars with one and with many open intervals
    # (their column views are contiguous or not), a trace, patience on and off.
    for path, overrides in [
        (BASELINE, ()),
        (TEXTBOOK_A, ("horizon.days=2",)),
        (ROOT / "scenarios" / "textbook-mmn.toml", ("horizon.days=2",)),
        (ROOT / "scenarios" / "olist-marketplace.toml", ()),
    ]:
        model = prepare(load_scenario(path, overrides=overrides))
        assert jitloop.covers(model)
        run_replication(model, np.random.SeedSequence(0))
    assert len(jitloop._loop.signatures) == 1
