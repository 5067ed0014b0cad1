"""The fast event loop (slasim.eventloop) against the simpy reference: identical records.

Both loops run the same model on the same machine in the same process, so the comparison is
exact (NaN where NaN, every float bit for bit): the fast loop must schedule the same events in
the same order and do the same arithmetic. The cases cover every branch of the handlers: each
routing policy, the age cut-off and patience (stale leads), shrinkage and none (interval
ends, overtime splits), overload (backlogs, idle-free stretches), retries on the business clock
and on the wall clock, 24/7 calendars and a late shift that runs past closing time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from slasim.engine import Replication, prepare, run_replication
from slasim.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
TEXTBOOK_A = ROOT / "scenarios" / "textbook-erlang-a.toml"

CASES = [
    (BASELINE, ()),
    (BASELINE, ("routing.policy=tier_priority",)),
    (BASELINE, ("routing.policy=value_index",)),
    (BASELINE, ("routing.policy=newest_first",)),
    (BASELINE, ("routing.age_cutoff_minutes=600",)),
    (BASELINE, ("routing.patience_minutes=300", "routing.age_cutoff_minutes=200",
                "routing.policy=tier_priority")),
    (BASELINE, ("routing.patience_minutes=120", "routing.policy=value_index")),
    (BASELINE, ("team.shrinkage=0",)),
    (BASELINE, ("team.shifts[0].sellers=1", "team.handling_conversation.mean_minutes=60")),
    (BASELINE, ("cadence.business_hours_only=false",)),
    (BASELINE, ('team.shifts[0].start="13:00"', 'team.shifts[0].end="24:00"',
                "team.work_holidays=true")),
    (TEXTBOOK_A, ()),
    (TEXTBOOK_A, ("routing.age_cutoff_minutes=5",)),
    (ROOT / "scenarios" / "olist-marketplace.toml", ()),
    (ROOT / "scenarios" / "textbook-mmn.toml", ()),
]


def assert_identical(fast: Replication, ref: Replication) -> None:
    assert fast.leads.dtype == ref.leads.dtype and fast.leads.shape == ref.leads.shape
    for table in ("leads", "sellers"):
        a, b = getattr(fast, table), getattr(ref, table)
        for name in a.dtype.names or ():
            # assert_array_equal: exact, NaN only where the reference has NaN.
            np.testing.assert_array_equal(a[name], b[name], err_msg=f"{table}.{name}")


@pytest.mark.parametrize(("path", "overrides"), CASES, ids=lambda v: str(v)[-40:])
def test_fast_loop_records_equal_the_simpy_loop(path: Path, overrides: tuple[str, ...]) -> None:
    model = prepare(load_scenario(path, overrides=overrides))
    for seed in (0, 1):
        fast = run_replication(model, np.random.SeedSequence(seed))
        ref = run_replication(model, np.random.SeedSequence(seed), loop="simpy")
        assert len(ref.leads) > 0
        assert_identical(fast, ref)


def test_unknown_loop_names_the_value() -> None:
    model = prepare(load_scenario(TEXTBOOK_A, overrides=["horizon.days=1"]))
    with pytest.raises(ValueError, match=r"loop\(='numba'\)"):
        run_replication(model, np.random.SeedSequence(0), loop="numba")
