"""Where replications run: the task protocol and the executors that run it.

Every simulating command cuts its work into :class:`Task` objects, each a range of
replications of one prepared model (about a second of work), and hands the whole list to an
*executor* in one ``map`` call. An executor is anything with

``map(fn, *iterables) -> Iterable``
    call ``fn`` on every item and yield the results **in submission order** (as
    :meth:`concurrent.futures.Executor.map` does). Extra keyword arguments are never passed.

So a :class:`concurrent.futures.ProcessPoolExecutor`, a thread pool, :class:`SerialExecutor`
or an adapter around a Dask ``Client`` all fit. ``fn`` is always :func:`run_task`, a
module-level function, and a task and its :class:`TaskResult` are plain picklable data
(numpy arrays, frozen dataclasses), so a remote worker needs only ``slasim`` installed.

The protocol, precisely (what an adapter may rely on):

- ``run_task(task)`` is a pure function of the task: replication ``r`` (``task.start <= r <
  task.stop``) always uses child ``r`` of ``numpy.random.SeedSequence(task.seed)``, computed
  directly from ``(seed, r)`` (:func:`child_seed`), so the result does not depend on which
  worker runs it, on the chunking or on what ran before in that process. Running a task twice
  (a retry) gives the same result.
- A task takes about :data:`TASK_SECONDS` on one core (the planner aims at that; a tiny job
  may give shorter tasks). Tasks of one job share one :class:`Job` object: an adapter may
  send it to the workers once (e.g. ``Client.scatter``) but need not.
- The result holds metric vectors, one row per replication, not per-lead records, unless
  the job asked for records (``keep_records``).
- The caller consumes the results in order and reports progress per finished task.

:func:`local_executor` gives the executor of ``--workers N``: a process pool for N > 1, the
calling process itself for 1. A command opens one for its whole run (:func:`executor_for`) and
submits every batch of a round (the candidates of an optimizer race round, the options of a
comparison, the months tracked) in one :func:`run_batches` call.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from slasim.engine.compile import Model
from slasim.engine.replication import Replication, run_replication
from slasim.limits import LEADS_PER_SECOND
from slasim.measure.metrics import ALL, METRICS, MONTHLY_METRICS, MetricContext, replication_metrics
from slasim.measure.months import month_column

__all__ = [
    "TASK_SECONDS",
    "Batch",
    "BatchResult",
    "Executor",
    "Job",
    "Progress",
    "Scorer",
    "SerialExecutor",
    "Task",
    "TaskResult",
    "child_seed",
    "executor_for",
    "local_executor",
    "metric_columns",
    "plan_tasks",
    "run_batches",
    "run_task",
]

Progress = Callable[[int, int], None]
FloatArray = npt.NDArray[np.float64]
#: Seconds of work one task aims at on one core: long enough that sending the task and its
#: result costs nothing next to it, short enough that a round ends with little idle time.
TASK_SECONDS = 1.0
#: Tasks per worker a batch list is cut into at least (when there are replications enough),
#: so that workers finish a round together.
TASKS_PER_WORKER = 4


class Executor(Protocol):
    """Anything with an ordered ``map`` (:class:`concurrent.futures.Executor` fits)."""

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Iterator[Any]:
        """Yield ``fn(*args)`` for each item, in submission order."""
        ...


class Scorer(Protocol):
    """Extra per-replication values computed where the replication ran (e.g. the optimizer's
    per-term flags of every menu entry). Must be picklable (a module-level class instance).

    Unless the job keeps records, ``rep.leads`` holds only the fields the metrics read
    (:data:`slasim.engine.records.METRIC_FIELDS`)."""

    def __call__(self, rep: Replication, context: MetricContext) -> FloatArray:
        """A vector of floats of the same length for every replication."""
        ...


def metric_columns(context: MetricContext) -> list[tuple[str, str]]:
    """The ``(metric, tier)`` columns of :attr:`TaskResult.metrics`, in order."""
    tiers = [ALL, *(t.name for t in context.tiers)]
    # A multi-month horizon adds its months' columns after the period's ("hot@2027-02").
    monthly = [(m, month_column(t, month)) for month in context.months for m in MONTHLY_METRICS
               for t in tiers]
    return [(m, t) for m in METRICS for t in tiers] + monthly


@dataclass(frozen=True, eq=False)
class Job:
    """What every replication of one simulated scenario shares (picklable).

    Attributes
    ----------
    model
        The prepared model (:func:`slasim.engine.compile.prepare`).
    context
        The scenario's metric context (:meth:`slasim.measure.metrics.MetricContext.from_scenario`).
    keep_records
        Return every replication's per-lead records too (large: only when asked for).
        Without it the records (which the scorer sees) hold only
        :data:`slasim.engine.records.METRIC_FIELDS`.
    scorer
        Extra per-replication values (:class:`Scorer`), or None.
    """

    model: Model
    context: MetricContext
    keep_records: bool = False
    scorer: Scorer | None = None


@dataclass(frozen=True, eq=False)
class Task:
    """Replications ``start`` to ``stop - 1`` of ``job`` under root seed ``seed``."""

    job: Job
    seed: int
    start: int
    stop: int


@dataclass(frozen=True, eq=False)
class TaskResult:
    """What a task sends back.

    Attributes
    ----------
    start, stop
        The task's replication range.
    metrics
        Shape ``(stop - start, len(metric_columns(context)))``; NaN where a metric is
        undefined (e.g. a tier's utilisation).
    scores
        The job's scorer output, one row per replication, or None without a scorer.
    records
        The replications themselves when the job keeps records, else None.
    """

    start: int
    stop: int
    metrics: FloatArray
    scores: FloatArray | None = None
    records: tuple[Replication, ...] | None = None


def child_seed(seed: int, r: int) -> np.random.SeedSequence:
    """Child ``r`` of ``SeedSequence(seed)``, the same as ``SeedSequence(seed).spawn(n)[r]``
    for any ``n > r``, without spawning the ``r`` before it."""
    return np.random.SeedSequence(seed, spawn_key=(r,))


def run_task(task: Task) -> TaskResult:
    """Simulate the task's replications (a pure function of ``task``; see the module doc)."""
    job = task.job
    columns = metric_columns(job.context)
    n = task.stop - task.start
    metrics = np.full((n, len(columns)), math.nan)
    scores: list[FloatArray] = []
    records: list[Replication] = []
    for i, r in enumerate(range(task.start, task.stop)):
        # Records nobody keeps hold only the fields the metrics and scorers read.
        rep = run_replication(job.model, child_seed(task.seed, r),
                              only_metrics=not job.keep_records)
        values = replication_metrics(rep, job.context)
        metrics[i] = [values.get(c, math.nan) for c in columns]
        if job.scorer is not None:
            scores.append(np.asarray(job.scorer(rep, job.context), dtype=float))
        if job.keep_records:
            records.append(rep)
    return TaskResult(
        task.start, task.stop, metrics,
        np.vstack(scores) if job.scorer is not None and n else None,
        tuple(records) if job.keep_records else None,
    )


@dataclass(frozen=True, eq=False)
class Batch:
    """``reps`` replications (0 to ``reps - 1``) of ``job`` under root seed ``seed``.

    ``leads`` is the expected number of leads per replication: it only sizes the tasks.
    """

    job: Job
    seed: int
    reps: int
    leads: float = 1000.0


@dataclass(frozen=True, eq=False)
class BatchResult:
    """A batch's task results joined, replications in order (see :class:`TaskResult`)."""

    metrics: FloatArray
    scores: FloatArray | None
    records: list[Replication] | None


def _plan(batches: Sequence[Batch], workers: int) -> list[tuple[int, Task]]:
    total = sum(b.reps for b in batches)
    balance = max(1, math.ceil(total / (TASKS_PER_WORKER * max(1, workers))))
    out = []
    for i, b in enumerate(batches):
        longest = max(1, int(TASK_SECONDS * LEADS_PER_SECOND / max(b.leads, 1.0)))
        count = math.ceil(b.reps / max(1, min(longest, balance)))
        size = math.ceil(b.reps / count)
        out += [(i, Task(b.job, b.seed, lo, min(lo + size, b.reps)))
                for lo in range(0, b.reps, size)]
    return out


def plan_tasks(batches: Sequence[Batch], workers: int) -> list[Task]:
    """Cut ``batches`` into tasks of about :data:`TASK_SECONDS`, at least
    :data:`TASKS_PER_WORKER` per worker in all when there are replications enough.

    Replications of a batch are split into equal ranges (the last may be shorter); the
    results do not depend on the cut.
    """
    return [task for _, task in _plan(batches, workers)]


def run_batches(
    batches: Sequence[Batch],
    executor: Executor,
    workers: int = 1,
    progress: Progress | None = None,
) -> list[BatchResult]:
    """Run every batch on ``executor`` in one ``map`` call; results in batch order.

    ``workers`` sizes the tasks (the parallelism to keep busy), never the results.
    ``progress(done, total)`` is called after each finished task with the replications done
    so far over all batches.
    """
    for b in batches:
        if not isinstance(b.reps, int) or b.reps < 1:
            raise ValueError(f"reps(={b.reps!r}) must be a positive integer.")
    plan = _plan(batches, workers)
    total = sum(b.reps for b in batches)
    per_batch: list[list[TaskResult]] = [[] for _ in batches]
    done = 0
    results = executor.map(run_task, [task for _, task in plan])
    for (i, task), result in zip(plan, results, strict=True):
        if (result.start, result.stop) != (task.start, task.stop):
            raise RuntimeError(
                f"executor {type(executor).__name__} returned replications "
                f"{result.start}..{result.stop} for task {task.start}..{task.stop}: its map() "
                "must yield results in submission order"
            )
        per_batch[i].append(result)
        done += result.stop - result.start
        if progress:
            progress(done, total)
    out = []
    for b, parts in zip(batches, per_batch, strict=True):
        scores = [r.scores for r in parts if r.scores is not None]
        out.append(BatchResult(
            np.vstack([r.metrics for r in parts]),
            np.vstack(scores) if b.job.scorer is not None else None,
            [rep for r in parts for rep in (r.records or ())] if b.job.keep_records else None,
        ))
    return out


class SerialExecutor:
    """Runs every call in the calling process, lazily and in order (``--workers 1``)."""

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Iterator[Any]:
        return map(fn, *iterables)

    def shutdown(self, wait: bool = True) -> None:
        """Nothing to release (the interface of :class:`concurrent.futures.Executor`)."""

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


@contextmanager
def local_executor(workers: int = 1) -> Iterator[Executor]:
    """The executor of ``--workers``: ``workers`` processes, or this process for 1.

    A context manager: the pool is shut down (its processes joined) on exit.
    """
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers(={workers!r}) must be a positive integer.")
    if workers == 1:
        yield SerialExecutor()
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield pool


@contextmanager
def executor_for(executor: Executor | None, workers: int = 1) -> Iterator[Executor]:
    """``executor`` itself (left open: its owner closes it), or a :func:`local_executor`
    of ``workers`` opened for the block."""
    if executor is not None:
        yield executor
        return
    with local_executor(workers) as local:
        yield local
