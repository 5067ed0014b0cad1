"""The engine's memory-saving paths give the numbers of the plain computations they replace.

Handling times are drawn in place (no temporary block) and wrap-up is added row by row; the
funnel of :func:`slasim.engine.records.lead_records` runs in slices of contacted leads; one
tier holding every lead is scored on the records themselves. Each must leave every number as
it was: the tests compare bytes, on slices whose size is a multiple of 64 so that numpy's SIMD
kernels (8 doubles at most) see the same elements in the same lanes on any CPU.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from slasim.engine import records
from slasim.engine.compile import Handling, prepare
from slasim.engine.replication import run_replication
from slasim.measure.metrics import MetricContext, _tier_metrics, replication_metrics
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
ERLANG_A = ROOT / "scenarios" / "textbook-erlang-a.toml"


def _reference(dist: str, mean: float, cv: float, rng: np.random.Generator,
               shape: tuple[int, int]) -> np.ndarray:
    # The block formulas as they were written before the in-place draw.
    if dist == "fixed":
        return np.full(shape, mean)
    if dist == "exponential":
        return rng.standard_exponential(shape) * mean
    if dist == "lognormal":
        s2 = math.log1p(cv**2)
        return np.exp(rng.standard_normal(shape) * math.sqrt(s2) + (math.log(mean) - s2 / 2))
    k = 1.0 / cv**2
    return rng.standard_gamma(k, shape) * (mean / k)


@pytest.mark.parametrize("dist", ["fixed", "exponential", "lognormal", "gamma"])
def test_in_place_handling_draws_are_the_block_formulas(dist: str) -> None:
    handling = Handling(dist, 4.0, 0.7)
    shape = (6, 1_000)
    expected = _reference(dist, 4.0, 0.7, np.random.default_rng(11), shape)
    drawn = handling.draw(np.random.default_rng(11), shape)
    assert drawn.tobytes() == expected.tobytes()
    # Added row by row (one row of scratch): the numbers of adding the whole block.
    block = np.full(shape, 1.5)
    handling.add_to(np.random.default_rng(11), block)
    assert block.tobytes() == (1.5 + expected).tobytes()


@pytest.mark.parametrize("overrides", [
    (),
    ("cadence.max_conversations=3",),  # follow-ups: the funnel decided in the loop
    # A hire on a ramp: qualify probability times the owner's conversion factor.
    ('team.hires=[{shift="office", start=2026-04-13, sellers=1}]',
     "team.ramp={conversion_factor=[0.5]}"),
])
def test_funnel_in_slices_gives_the_records_of_one_pass(
    overrides: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    model = prepare(load_scenario(BASELINE, overrides=["horizon.days=60", *overrides]))
    seed = np.random.SeedSequence(5)
    whole = run_replication(model, seed).leads
    assert len(whole) > 4 * 64  # several slices (and, unless a multiple of 64, a short last one)
    monkeypatch.setattr(records, "FUNNEL_CHUNK", 64)
    sliced = run_replication(model, seed).leads
    assert sliced.tobytes() == whole.tobytes()
    # The funnel ran: leads were qualified and won, not left at the zeros of a new record.
    assert whole["qualified"].sum() > 0 and (whole["state"] == 0).sum() > 0


def test_one_tier_is_scored_on_the_records_themselves() -> None:
    scenario = load_scenario(ERLANG_A, overrides=["horizon.days=2"])
    ctx = MetricContext.from_scenario(scenario)
    rep = run_replication(prepare(scenario), np.random.SeedSequence(3))
    (tier,) = ctx.tiers
    copied = _tier_metrics(rep.leads[rep.leads["tier"] == 0].copy(), ctx, tier)
    values = replication_metrics(rep, ctx)
    assert {name: values[(name, tier.name)] for name in copied} == pytest.approx(
        copied, rel=0, abs=0, nan_ok=True
    )
