"""Replication tasks for any executor (stand-in until the shared task protocol lands).

A task is (point, model, metric context, root seed, replication range); it returns the
metric vector of each replication. Replication ``r`` uses child ``r`` of
``SeedSequence(seed)`` whoever runs it, so results do not depend on the executor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from slasim.engine import Model, prepare, run_replication
from slasim.metrics import MetricContext, replication_metrics

if TYPE_CHECKING:
    from slasim.experiment import SimulationResult
    from slasim.scenario import Scenario

__all__ = ["Task", "chunk_size", "run_task", "run_tasks", "tasks_for"]

Metrics = dict[tuple[str, str], float]
#: Seconds of work per task: long enough that sending it costs little, short enough that
#: two workers share a small job.
TASK_SECONDS = 1.5


@dataclass(frozen=True)
class Task:
    point: int
    model: Model
    context: MetricContext
    seed: int
    start: int
    stop: int


def run_task(task: Task) -> list[Metrics]:
    """The metrics of replications ``start`` to ``stop - 1``."""
    return [
        replication_metrics(
            run_replication(task.model, np.random.SeedSequence(task.seed, spawn_key=(r,))),
            task.context,
        )
        for r in range(task.start, task.stop)
    ]


def chunk_size(scenario: Scenario, reps: int, workers: int) -> int:
    from slasim.limits import LEADS_PER_SECOND

    leads = sum(t.monthly_volume for t in scenario.tiers.values()) * scenario.horizon.months
    by_time = int(TASK_SECONDS * LEADS_PER_SECOND / max(leads, 1.0))
    return max(1, min(by_time, reps))


def tasks_for(point: int, scenario: Scenario, reps: int, seed: int, size: int) -> list[Task]:
    model, context = prepare(scenario), MetricContext.from_scenario(scenario)
    return [Task(point, model, context, seed, a, min(a + size, reps)) for a in range(0, reps, size)]


def run_tasks(
    scenarios: Sequence[Scenario], tasks: Sequence[Task], reps: int, seed: int, workers: int,
    executor: Executor | None, progress: Callable[[int, int], None] | None,
) -> list[SimulationResult]:
    from slasim.experiment import SimulationResult, _table, summarize

    rows: list[list[Metrics]] = [[] for _ in scenarios]
    total, done = len(scenarios) * reps, 0

    def collect(outputs: object) -> None:
        nonlocal done
        for task, out in zip(tasks, outputs, strict=True):  # type: ignore[call-overload]
            rows[task.point].extend(out)
            done += task.stop - task.start
            if progress:
                progress(done, total)

    if executor is not None:
        collect(executor.map(run_task, tasks))
    elif workers > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
            collect(pool.map(run_task, tasks))
    else:
        collect(map(run_task, tasks))
    results = []
    for scenario, metric_rows in zip(scenarios, rows, strict=True):
        table = _table(metric_rows, MetricContext.from_scenario(scenario))
        results.append(SimulationResult(scenario, reps, seed, table, summarize(table)))
    return results
