"""Acceptance on the baseline (slow: ~1,300 replications of a month; run with -m slow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from slasim.loader import load_scenario
from slasim.optimize import optimize

BASE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"


@pytest.mark.slow
def test_baseline_proposal_is_verified_and_locally_optimal(tmp_path: Path) -> None:
    r = optimize(load_scenario(BASE), seed=0, workers=2)
    assert r.success, r.message
    # Every proposed term is met in >= confidence of >= 200 fresh months...
    assert r.verify_reps >= 200
    assert (r.verification["p_met"] >= r.confidence).all(), r.verification
    # ...and no +-1-seller neighbour that keeps the terms beats it by more than the paired CI.
    assert len(r.neighbours) >= 1
    assert not r.neighbours_better, r.neighbours
    # The proposal overlay loads and differs from the baseline where the optimizer said so.
    r.write(tmp_path, BASE)
    proposal = load_scenario(tmp_path / "proposal.toml")
    assert r.x is not None
    assert tuple(s.sellers for s in proposal.team.shifts) == r.x.sellers
    assert proposal.routing.policy == r.x.routing
