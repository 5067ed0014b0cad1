"""The engine's memory-saving paths give the numbers of the plain computations they replace.

Handling times are drawn in place (no temporary block) and wrap-up is added row by row; the
funnel of :func:`slasim.engine.records.lead_records` runs in slices of leads, with its random
numbers drawn slice by slice (:class:`~slasim.engine.funnel_numbers.FunnelNumbers`); one tier
holding every lead is scored on the records themselves. Each must leave every number as
it was: the tests compare bytes, on slices whose size is a multiple of 64 so that numpy's SIMD
kernels (8 doubles at most) see the same elements in the same lanes on any CPU.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slasim.engine import records
from slasim.engine.compile import Handling, prepare
from slasim.engine.funnel_numbers import FunnelNumbers
from slasim.engine.records import LEAD_DTYPE, METRIC_DTYPE, METRIC_FIELDS
from slasim.engine.replication import run_replication
from slasim.measure.executors import Job, Task, run_task
from slasim.measure.metrics import MetricContext, _tier_metrics, replication_metrics
from slasim.measure.rescoring import TermsScorer
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


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 3_000), cuts=st.lists(st.integers(0, 3_000), max_size=8),
       seed=st.integers(0, 2**32 - 1))
def test_funnel_numbers_in_any_slices_are_the_blocks(n: int, cuts: list[int], seed: int) -> None:
    # The slices' uniforms and normals are the (3, n) and (2, n) blocks drawn at once, bit for
    # bit, wherever the slices are cut; the qualify row is the first uniform row.
    def uniforms() -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))

    def normals() -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))

    numbers = FunnelNumbers(uniforms, normals, n)
    bounds = sorted({0, n, *(c for c in cuts if c < n)})
    parts = [numbers.take(lo, hi) for lo, hi in itertools.pairwise(bounds)]
    u = np.concatenate([p[0] for p in parts], axis=1) if parts else np.empty((3, 0))
    z = np.concatenate([p[1] for p in parts], axis=1) if parts else np.empty((2, 0))
    assert u.tobytes() == uniforms().random((3, n)).tobytes()
    assert z.tobytes() == normals().standard_normal((2, n)).tobytes()
    assert numbers.qualify_row().tobytes() == u[0].tobytes()


def test_funnel_numbers_past_the_positioning_chunk_are_the_blocks() -> None:
    # The second normal row is positioned in chunks of 65,536 draws: cross that boundary.
    n = 70_001
    numbers = FunnelNumbers(lambda: np.random.default_rng(5), lambda: np.random.default_rng(6), n)
    parts = [numbers.take(lo, min(n, lo + 8192)) for lo in range(0, n, 8192)]
    assert np.hstack([p[0] for p in parts]).tobytes() == (
        np.random.default_rng(5).random((3, n)).tobytes())
    assert np.hstack([p[1] for p in parts]).tobytes() == (
        np.random.default_rng(6).standard_normal((2, n)).tobytes())


def test_funnel_numbers_refuse_slices_out_of_order() -> None:
    def seeded() -> np.random.Generator:
        return np.random.default_rng(0)

    numbers = FunnelNumbers(seeded, seeded, 10)
    numbers.take(0, 4)
    with pytest.raises(ValueError, match=r"slice \[5, 8\) must start at lead 4 and end by 10"):
        numbers.take(5, 8)
    with pytest.raises(TypeError, match="bit generator"):
        FunnelNumbers(lambda: np.random.Generator(np.random.MT19937(1)), seeded, 3)


# Owners and a ramp (the funnel reads the owner's conversion factor), and a warm-up (times
# made relative to the horizon start).
OWNED = ('routing.owner="round_robin"', "team.ramp={conversion_factor=[0.5]}",
         'team.hires=[{shift="office", start=2026-04-13, sellers=1}]', "horizon.warmup_days=5")


@pytest.mark.parametrize("overrides", [(), OWNED, ("cadence.max_conversations=3",)])
def test_metric_records_are_the_full_records_metric_fields(overrides: tuple[str, ...]) -> None:
    model = prepare(load_scenario(BASELINE, overrides=list(overrides)))
    full = run_replication(model, np.random.SeedSequence(8)).leads
    narrow = run_replication(model, np.random.SeedSequence(8), only_metrics=True).leads
    assert full.dtype == LEAD_DTYPE and narrow.dtype == METRIC_DTYPE
    assert METRIC_DTYPE.itemsize == 62  # 26 of the 88 bytes a lead left out
    assert len(full) > 1000 and full["qualified"].sum() > 0
    for name in METRIC_FIELDS:
        assert narrow[name].tobytes() == full[name].tobytes(), name


@pytest.mark.parametrize("path, overrides", [
    (BASELINE, OWNED),
    (ROOT / "scenarios" / "quarter.toml", ()),  # three months: each judged on its own leads
    # Open 24/7, one tier (the whole month scored on the records themselves), patience.
    (ROOT / "scenarios" / "textbook-staffing.toml", ("routing.patience_minutes=4",)),
])
def test_a_task_without_records_gives_the_numbers_of_one_with_them(
    path: Path, overrides: tuple[str, ...]
) -> None:
    # Records nobody keeps hold only the metric fields: every metric and every score of
    # another set of terms must be what the full records give, bit for bit.
    scenario = load_scenario(path, overrides=list(overrides))
    tighter = load_scenario(path, overrides=[*overrides, *(
        f"sla.tiers.{tier}.response_target_minutes=1" for tier in scenario.sla.tiers
    )])
    ctx = MetricContext.from_scenario(scenario)
    scorer = TermsScorer((ctx, MetricContext.from_scenario(tighter)))
    model = prepare(scenario)
    kept = run_task(Task(Job(model, ctx, keep_records=True, scorer=scorer), 4, 0, 3))
    lean = run_task(Task(Job(model, ctx, scorer=scorer), 4, 0, 3))
    assert kept.records is not None and lean.records is None
    assert kept.scores is not None and lean.scores is not None
    assert lean.metrics.tobytes() == kept.metrics.tobytes()
    assert lean.scores.tobytes() == kept.scores.tobytes()
    # The scores judged something: the two sets of terms do not score alike.
    assert not np.array_equal(kept.scores[:, : kept.scores.shape[1] // 2],
                              kept.scores[:, kept.scores.shape[1] // 2:], equal_nan=True)
