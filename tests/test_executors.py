"""The task protocol (slasim.measure.executors): results do not depend on who runs the replications."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from slasim.measure.executors import (
    Batch,
    SerialExecutor,
    child_seed,
    local_executor,
    plan_tasks,
    run_batches,
)
from slasim.measure.experiment import compare, simulate, simulation_batch
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
REPS = 7  # odd: ranges of unequal length when cut in two or three


class MapOnly:
    """A toy executor with nothing but ``map``: it runs the calls last first, then yields the
    results in submission order, and remembers how many calls each ``map`` got."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Iterator[Any]:
        args = list(zip(*iterables, strict=True))
        self.calls.append(len(args))
        done = [fn(*a) for a in reversed(args)]
        return iter(reversed(done))


class Shuffled(MapOnly):
    """Breaks the protocol: yields results in reverse submission order."""

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Iterator[Any]:
        return iter(list(super().map(fn, *iterables))[::-1])


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "baseline.toml")


@pytest.fixture(scope="module")
def reference(baseline: Scenario) -> str:
    return _json(simulate(baseline, REPS, seed=11, workers=1, keep_records=True))


def _json(result) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(result.to_dict(), sort_keys=True, allow_nan=False)


def test_child_seed_is_the_spawned_child() -> None:
    spawned = np.random.SeedSequence(5).spawn(4)
    for r, child in enumerate(spawned):
        assert np.array_equal(child.generate_state(4), child_seed(5, r).generate_state(4))


def test_tasks_cover_every_replication_once() -> None:
    job = simulation_batch(load_scenario(ROOT / "scenarios" / "baseline.toml"), 1, 0).job
    batches = [Batch(job, 0, 7, leads=1500.0), Batch(job, 1, 50, leads=1500.0)]
    for workers in (1, 2, 3, 64):
        tasks = plan_tasks(batches, workers)
        for seed, reps in ((0, 7), (1, 50)):
            ranges = sorted((t.start, t.stop) for t in tasks if t.seed == seed)
            covered = [r for lo, hi in ranges for r in range(lo, hi)]
            assert covered == list(range(reps))
    # More workers: more, smaller tasks (at least four per worker while replications last).
    assert len(plan_tasks(batches, 1)) < len(plan_tasks(batches, 3)) <= len(plan_tasks(batches, 64))
    assert len(plan_tasks(batches, 64)) == 57  # one replication per task


@pytest.mark.parametrize("hint", [1, 2, 3, 64])
def test_byte_identical_whatever_the_chunking(baseline: Scenario, reference: str,
                                               hint: int) -> None:
    # The `workers` hint changes how replications are cut into tasks, never the result.
    toy = MapOnly()
    result = simulate(baseline, REPS, seed=11, workers=hint, keep_records=True, executor=toy)
    assert _json(result) == reference
    assert len(toy.calls) == 1 and toy.calls[0] == len(
        plan_tasks([simulation_batch(baseline, REPS, 11)], hint)
    )


def test_byte_identical_whatever_the_executor(baseline: Scenario, reference: str) -> None:
    with local_executor(2) as pool:
        assert _json(simulate(baseline, REPS, seed=11, workers=2, executor=pool)) == reference
    with ThreadPoolExecutor(3) as threads:
        assert _json(simulate(baseline, REPS, seed=11, workers=3, executor=threads)) == reference
    assert _json(simulate(baseline, REPS, seed=11, executor=SerialExecutor())) == reference
    assert _json(simulate(baseline, REPS, seed=11, workers=2)) == reference


def test_records_come_back_only_when_asked(baseline: Scenario) -> None:
    batch = simulation_batch(baseline, 3, 11)
    (out,) = run_batches([batch], SerialExecutor())
    assert out.records is None and out.scores is None and out.metrics.shape[0] == 3
    kept = simulate(baseline, 3, seed=11, keep_records=True, executor=MapOnly())
    assert kept.records is not None and len(kept.records) == 3
    assert kept.records[2].leads.tobytes() == simulate(
        baseline, 3, seed=11, keep_records=True
    ).records[2].leads.tobytes()  # type: ignore[index]


def test_an_executor_that_reorders_is_refused(baseline: Scenario) -> None:
    with pytest.raises(RuntimeError, match="submission order"):
        simulate(baseline, REPS, seed=11, workers=3, executor=Shuffled())


def test_compare_submits_every_option_at_once(baseline: Scenario) -> None:
    faster = load_scenario(ROOT / "scenarios" / "baseline.toml",
                           ["team.shifts[0].sellers=9"])
    toy = MapOnly()
    seen: list[tuple[int, int]] = []
    shared = compare([baseline, faster], 4, seed=3, workers=2, executor=toy,
                     progress=lambda done, total: seen.append((done, total)))
    assert len(toy.calls) == 1  # both options' tasks in one submission
    assert seen[-1] == (8, 8) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    alone = compare([baseline, faster], 4, seed=3, workers=1)
    assert shared.differences.equals(alone.differences)


def test_terms_scorer_gives_each_term_set_the_metrics_of_its_own_context() -> None:
    from slasim.engine.compile import prepare
    from slasim.engine.replication import run_replication
    from slasim.measure.executors import metric_columns
    from slasim.measure.metrics import MetricContext, replication_metrics
    from slasim.measure.rescoring import TermsScorer, scored_tables

    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    strict = load_scenario(ROOT / "scenarios" / "baseline.toml",
                           overrides=["sla.tiers.hot.response_target_minutes=1"])
    contexts = (MetricContext.from_scenario(base), MetricContext.from_scenario(strict))
    reps = [run_replication(prepare(base), np.random.SeedSequence(s)) for s in (1, 2)]
    scorer = TermsScorer(contexts)
    scores = np.vstack([scorer(rep, contexts[0]) for rep in reps])
    tables = scored_tables(scorer, scores)
    for ctx, table in zip(contexts, tables, strict=True):
        for r, rep in enumerate(reps):
            direct = replication_metrics(rep, ctx)
            for column in table.columns:
                assert table[column].iloc[r] == pytest.approx(direct[column], nan_ok=True)
        assert list(table.columns) == [c for c in metric_columns(ctx) if c in table.columns]
    # The two term sets judge the same months differently: a 1-minute hot target is met less.
    flag = ("response_met", "hot")
    assert tables[1][flag].sum() <= tables[0][flag].sum()
    assert not tables[0][("first_attempt_within_target", "hot")].equals(
        tables[1][("first_attempt_within_target", "hot")])
    with pytest.raises(ValueError, match="must hold"):
        scored_tables(scorer, scores[:, :-1])


def test_rescore_on_records_judges_as_a_simulation_of_those_terms() -> None:
    from slasim.measure.experiment import rescore

    path = ROOT / "scenarios" / "baseline.toml"
    terms = load_scenario(path, overrides=["sla.tiers.hot.response_target_minutes=60"])
    kept = simulate(load_scenario(path), 6, 4, keep_records=True)
    direct = simulate(terms, 6, 4)
    again = rescore(kept, terms)
    assert again.verdict.sentence() == direct.verdict.sentence()
    assert again.verdict.p == direct.verdict.p
    assert again.verdict.p != kept.verdict.p  # the looser target changed the judgement
