"""Replications, seeds, common random numbers and executors.

``simulate(scenario, reps, seed, workers)`` runs ``reps`` independent periods. Replication
``r`` always gets child ``r`` of ``numpy.random.SeedSequence(seed)``, whoever runs it, so the
result is byte-identical with 1 or N worker processes, and two scenarios run with the same
seed see the same leads in replication ``r`` (common random numbers: the engine draws every
lead-level random number from streams that do not depend on staffing or routing). Their
difference, replication by replication, therefore has a tight paired confidence interval
(:func:`compare`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from slasim.engine.compile import Model, prepare
from slasim.engine.replication import Replication
from slasim.errors import InputError
from slasim.measure.catalogue import QUEUE_METRICS
from slasim.measure.catalogue import metric as catalogue_metric
from slasim.measure.executors import (
    Batch,
    BatchResult,
    Executor,
    Job,
    executor_for,
    metric_columns,
    run_batches,
)
from slasim.measure.intervals import mean_interval
from slasim.measure.metrics import ALL, MetricContext, replication_metrics
from slasim.measure.months import LANGS, month_column, months_of, worded
from slasim.measure.terms import TERMS
from slasim.measure.verdict import Verdict, judge, judge_months
from slasim.outputs import json_table
from slasim.scenario.schema import Scenario
from slasim.seeding import Seed, root_seed

if TYPE_CHECKING:
    # pandas is imported where the tables are built, after the replications: a parent
    # process with workers loads it while they simulate (see slasim.cli.run) and no worker needs
    # it.
    import pandas as pd

    from slasim.measure.quarter import RevenueRow

__all__ = [
    "ComparisonResult",
    "SimulationResult",
    "check_run_args",
    "compare",
    "expected_leads",
    "replications_table",
    "rescore",
    "result_of",
    "simulate",
    "simulate_each",
    "simulation_batch",
    "summarize",
    "verdict_of",
]

Progress = Callable[[int, int], None]
_QUANTILES = (0.1, 0.9)


@dataclass(frozen=True)
class SimulationResult:
    """The outcome of :func:`simulate`.

    Attributes
    ----------
    scenario
        The scenario simulated.
    reps, seed
        Number of replications and the root seed.
    replications
        One row per replication, columns ``(metric, tier)``; ``tier == "all"`` for totals.
    summary
        Tidy table: metric, tier, mean, ci_low, ci_high (95 % t-interval of the mean; Wilson
        of the 0/1 ``*_met`` flags), p10, p90 (what a single month may look like).
    records
        The engine's per-lead records per replication, when ``keep_records=True``.
    """

    scenario: Scenario
    reps: int
    seed: int
    replications: pd.DataFrame
    summary: pd.DataFrame
    records: list[Replication] | None = field(default=None, repr=False)

    @property
    def verdict(self) -> Verdict:
        """Is the scenario's agreement realistic (:func:`slasim.measure.verdict.judge`)."""
        return verdict_of(self.scenario, self.replications)

    @property
    def p_met(self) -> dict[str, float]:
        """P(met) over replications for marketing, sales and jointly (all tiers)."""
        p = self.verdict.p
        return {f"p_met_{side}": p[side] for side in ("marketing", "sales", "joint")}

    def metric(self, name: str, tier: str = ALL) -> pd.Series:
        """Per-replication values of one metric."""
        return self.replications[(name, tier)]

    def to_frame(self) -> pd.DataFrame:
        """:attr:`summary` as a new table, one row per metric and tier (mean, CI, p10, p90):
        what one plots; the per-replication values are :attr:`replications`."""
        return self.summary.copy()

    def to_dict(self) -> dict[str, object]:
        """The JSON document of ``slasim run --json`` (docs: Reference > Contracts)."""

        def block(rows: pd.DataFrame) -> dict[str, dict[str, float | None]]:
            return {
                str(r.metric): {
                    k: _clean(getattr(r, k)) for k in ("mean", "ci_low", "ci_high", "p10", "p90")
                }
                for r in rows.itertuples()
            }

        summary = self.summary
        verdict = self.verdict
        by_tier = {t: block(summary[summary["tier"] == t]) for t in self.scenario.tiers}
        return {
            "scenario": self.scenario.name,
            "reps": self.reps,
            "seed": self.seed,
            "metrics": block(summary[summary["tier"] == ALL]),
            "sla": {
                **{k: _clean(v) for k, v in self.p_met.items()},
                "realistic": verdict.realistic,
                "confidence": verdict.confidence,
                "confidence_level": verdict.level,
                "verdict": verdict.sentence(),
                "period_days": verdict.period_days,
                "unmeasured": list(verdict.unmeasured),
            },
            "by_tier": by_tier,
            "queue": self._queue_block(),
            **self._months_block(),
        }

    def _months_block(self) -> dict[str, object]:
        """A multi-month horizon's ``months`` (each month's verdict and revenue won in it) and
        ``revenue_won`` (the whole horizon's: deals closed inside it; the open pipeline at the
        end is ``metrics.pipeline_value``); nothing for a one-period horizon."""
        verdict = self.verdict
        if not verdict.months:
            return {}
        from slasim.measure.quarter import months, revenue_rows

        revenue = revenue_rows(self)

        def stats(r: RevenueRow) -> dict[str, float | None]:
            return {k: _clean(getattr(r, k)) for k in ("mean", "p10", "p50", "p90")}

        blocks = []
        for month, judged, money in zip(months(self.scenario), verdict.months, revenue,
                                        strict=False):
            block = judged.to_dict()
            block.update(first=month.first.isoformat(), last=month.last.isoformat(),
                         partial=month.partial, revenue_won=stats(money))
            blocks.append(block)
        return {"months": blocks, "revenue_won": stats(revenue[-1])}

    def _queue_block(self) -> dict[str, object]:
        """``run --json``'s ``queue``: the queue metrics and what defines them, every metric
        present (``null`` where undefined in every replication, e.g. no lead gave up)."""
        stats = ("mean", "ci_low", "ci_high", "p10", "p90")
        cells = {
            (str(r.metric), str(r.tier)): {k: _clean(getattr(r, k)) for k in stats}
            for r in self.summary.itertuples()
            if r.metric in QUEUE_METRICS
        }
        s = self.scenario
        return {
            "short_abandon_seconds": s.routing.short_abandon_seconds,
            "response_target_minutes": {
                t: terms.response_target_minutes for t, terms in s.sla.tiers.items()
            },
            "metrics": {m: cells.get((m, ALL)) for m in QUEUE_METRICS},
            "by_tier": {
                tier: {m: cells.get((m, tier)) for m in QUEUE_METRICS} for tier in s.tiers
            },
        }


def verdict_of(scenario: Scenario, replications: pd.DataFrame) -> Verdict:
    """The verdict on per-replication metrics (columns ``(metric, tier)``) of ``scenario``:
    month by month for a multi-month horizon (:func:`slasim.measure.verdict.judge_months`)."""
    tiers = tuple(t for t in scenario.tiers if t in scenario.sla.tiers)
    sla = scenario.sla

    def flags(label: Callable[[str], str]) -> dict[tuple[str, str], np.ndarray]:
        return {
            (term.flag, tier): replications[(term.flag, label(tier))].to_numpy(dtype=float)
            for term in TERMS for tier in tiers if (term.flag, label(tier)) in replications
        }

    months = months_of(scenario.horizon.start, scenario.horizon.days, scenario.horizon.timezone)
    verdict = judge_months(
        [(m.key, {lang: m.label(lang) for lang in LANGS},
          flags(partial(month_column, month=m))) for m in months],
        tiers, sla.confidence, sla.confidence_level, reps=len(replications),
    ) if months else judge(flags(str), tiers, sla.confidence, sla.confidence_level,
                           reps=len(replications))
    return worded(verdict, scenario)


def _clean(value: float) -> float | None:
    """JSON has no NaN: undefined values (e.g. a p90 of no responses) become null."""
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def summarize(replications: pd.DataFrame) -> pd.DataFrame:
    """Tidy summary (mean, 95 % CI of the mean, p10, p90) of per-replication metrics; a 0/1
    ``*_met`` flag gets the verdict's Wilson interval (never beyond 100 %)."""
    import pandas as pd

    rows = []
    for column in replications.columns:
        metric, tier = str(column[0]), str(column[1])
        values = replications[column].to_numpy(dtype=float)
        # A metric can be undefined in some replications (e.g. a p90 with no response):
        # its mean and CI use the replications where it is defined.
        finite = values[~np.isnan(values)]
        mean, low, high = mean_interval(finite, flags=metric.endswith("_met"))
        p10, p90 = np.quantile(finite, _QUANTILES) if len(finite) else (math.nan, math.nan)
        rows.append(
            {
                "metric": metric,
                "tier": tier,
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "p10": float(p10),
                "p90": float(p90),
            }
        )
    return pd.DataFrame(rows)


def check_run_args(reps: int, seed: Seed, workers: int) -> int:
    """Raise ValueError unless reps and workers are positive integers and ``seed`` is a seed
    (:data:`slasim.seeding.Seed`); return its integer root (:func:`slasim.seeding.root_seed`)."""
    if not isinstance(reps, int) or reps < 1:
        raise ValueError(f"reps(={reps!r}) must be a positive integer.")
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers(={workers!r}) must be a positive integer.")
    return root_seed(seed)


def expected_leads(scenario: Scenario) -> float:
    """Leads per replication the volumes promise, warm-up included (sizes tasks; a trace
    counts as 1,000)."""
    volume = sum(t.monthly_volume for t in scenario.tiers.values())
    leads = volume * scenario.horizon.simulated_months
    return float(leads) if leads > 0 else 1000.0


def simulation_batch(
    scenario: Scenario, reps: int, seed: int, *, keep_records: bool = False,
    model: Model | None = None,
) -> Batch:
    """The :class:`~slasim.measure.executors.Batch` of ``simulate(scenario, reps, seed)``."""
    job = Job(model or prepare(scenario), MetricContext.from_scenario(scenario), keep_records)
    return Batch(job, seed, reps, expected_leads(scenario))


def result_of(scenario: Scenario, batch: Batch, out: BatchResult) -> SimulationResult:
    """The :class:`SimulationResult` of a batch made by :func:`simulation_batch`."""
    table = replications_table(out.metrics, batch.job.context)
    return SimulationResult(scenario, batch.reps, batch.seed, table, summarize(table),
                            out.records)


def simulate(
    scenario: Scenario,
    reps: int = 100,
    seed: Seed = 0,
    workers: int = 1,
    *,
    keep_records: bool = False,
    progress: Progress | None = None,
    model: Model | None = None,
    executor: Executor | None = None,
) -> SimulationResult:
    """Run ``reps`` independent replications of ``scenario``.

    Parameters
    ----------
    scenario
        A validated scenario (see :func:`slasim.scenario.load.load_scenario`).
    reps
        Number of replications (simulated periods).
    seed
        Root seed: an int >= 0, a ``numpy.random.SeedSequence``, a ``numpy.random.Generator``
        or None (fresh entropy), see :mod:`slasim.seeding`. Replication ``r`` uses child ``r``
        of ``SeedSequence(root)``; ``result.seed`` is the integer root.
    workers
        Worker processes of the local pool (without ``executor``); with ``executor``, the
        parallelism the tasks are sized for. Results do not depend on it.
    keep_records
        Keep every replication's per-lead records in ``result.records``.
    progress
        Called as ``progress(done, reps)`` after each finished task (a range of replications,
        about a second of work).
    model
        A model already prepared from ``scenario`` with :func:`slasim.engine.compile.prepare` (saves
        the preparation when the same scenario is simulated repeatedly).
    executor
        Where the replications run: any object with an ordered ``map(fn, *iterables)``
        (:mod:`slasim.measure.executors`), e.g. a job's shared pool from
        :func:`slasim.measure.executors.local_executor`; left open. Default: a pool of ``workers``
        opened for this call. Results are byte-identical whatever the executor.
    """
    root = check_run_args(reps, seed, workers)
    batch = simulation_batch(scenario, reps, root, keep_records=keep_records, model=model)
    with executor_for(executor, min(workers, reps)) as pool:
        (out,) = run_batches([batch], pool, workers, progress)
    return result_of(scenario, batch, out)


def simulate_each(
    scenarios: Sequence[Scenario],
    reps: int = 100,
    seed: Seed = 0,
    workers: int = 1,
    *,
    keep_records: bool = False,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> list[SimulationResult]:
    """:func:`simulate` every scenario with the same seed and reps, all in one submission.

    The same as ``[simulate(s, reps, seed, ...) for s in scenarios]``, byte for byte, but
    the tasks of every scenario go to the executor together (no idle worker between
    scenarios). ``progress(done, total)`` counts replications over all scenarios.
    """
    root = check_run_args(reps, seed, workers)  # one root: every scenario sees the same months
    batches = [simulation_batch(s, reps, root, keep_records=keep_records) for s in scenarios]
    with executor_for(executor, workers) as pool:
        outs = run_batches(batches, pool, workers, progress)
    return [result_of(s, b, o) for s, b, o in zip(scenarios, batches, outs, strict=True)]


def replications_table(metrics: np.ndarray, context: MetricContext) -> pd.DataFrame:
    """Per-replication metric vectors (rows in :func:`slasim.measure.executors.metric_columns`
    order)
    as the table of :attr:`SimulationResult.replications`."""
    import pandas as pd

    columns = metric_columns(context)
    table = pd.DataFrame(
        metrics, columns=pd.MultiIndex.from_tuples(columns, names=["metric", "tier"])
    )
    table = table.loc[:, ~table.isna().all(axis=0)]  # drop metrics undefined for a tier
    table.index.name = "rep"
    return table


def rescore(result: SimulationResult, scenario: Scenario) -> SimulationResult:
    """``result``'s months judged by ``scenario``'s SLA terms, without simulating again.

    SLA terms (quotas, targets, shares, commitments, confidence) do not change a simulated
    lead, so other terms are scored on the same records. ``scenario`` must be ``result``'s
    scenario up to its ``[sla]`` (same tiers, period and model); ``result`` must hold records
    (``simulate(..., keep_records=True)``).
    """
    if result.records is None:
        raise ValueError("rescore needs a result with records (simulate(keep_records=True)).")
    if list(scenario.tiers) != list(result.scenario.tiers) or (
        scenario.horizon != result.scenario.horizon
    ):
        raise ValueError(
            f"scenario(={scenario.name!r}) must have the tiers and period of the result's "
            f"scenario {result.scenario.name!r}."
        )
    context = MetricContext.from_scenario(scenario)
    columns = metric_columns(context)
    rows = [replication_metrics(rep, context) for rep in result.records]
    table = replications_table(np.array([[row.get(c, math.nan) for c in columns] for row in rows],
                            dtype=float).reshape(len(rows), len(columns)), context)
    return SimulationResult(scenario, result.reps, result.seed, table, summarize(table),
                            result.records)


@dataclass(frozen=True)
class ComparisonResult:
    """Paired differences of options against the first (same seed: common random numbers).

    ``differences`` is tidy: option, metric, tier, mean (option - base), ci_low, ci_high
    (95 % paired t-interval), and p_better (share of replications where the option is higher).
    """

    results: list[SimulationResult]
    differences: pd.DataFrame

    def to_dict(self) -> dict[str, object]:
        """The JSON document of ``slasim run`` with options (``--json``): every option's
        :meth:`SimulationResult.to_dict` and the differences as records (NaN: null)."""

        return {"options": [r.to_dict() for r in self.results],
                "differences": json_table(self.differences)}

    def to_frame(self) -> pd.DataFrame:
        """:attr:`differences` as a new table, one row per option, metric and tier."""
        return self.differences.copy()


def compare(
    scenarios: Sequence[Scenario],
    reps: int = 100,
    seed: Seed = 0,
    workers: int = 1,
    *,
    keep_records: bool = False,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> ComparisonResult:
    """Simulate several options with common random numbers and pair them with the first.

    ``keep_records`` keeps every option's per-lead records (``results[i].records``), as in
    :func:`simulate`. Every option's replications go to ``executor`` (default: a pool of
    ``workers`` for this call) in one submission (:func:`simulate_each`); ``progress(done,
    total)`` counts replications over all options.
    """
    if len(scenarios) < 2:
        raise ValueError(f"compare needs at least two scenarios (got {len(scenarios)}).")
    _check_comparable(scenarios)
    # Options are labelled by name (columns, CSV rows): a repeated one gets its place in line.
    names = [s.name for s in scenarios]
    scenarios = [s if names.count(s.name) == 1 else s.model_copy(
        update={"name": f"{s.name} (option {i + 1})"}) for i, s in enumerate(scenarios)]
    results = simulate_each(scenarios, reps, seed, workers, keep_records=keep_records,
                            progress=progress, executor=executor)
    base = results[0].replications
    rows = []
    for result in results[1:]:
        common = [c for c in base.columns if c in result.replications.columns]
        for column in common:
            metric, tier = str(column[0]), str(column[1])
            diff = (result.replications[column] - base[column]).to_numpy(dtype=float)
            diff = diff[~np.isnan(diff)]
            k = len(diff)
            mean, low, high = mean_interval(diff)
            if catalogue_metric(metric).bounded:  # a difference of two shares lies in [-1, 1]
                low, high = max(low, -1.0), min(high, 1.0)
            rows.append(
                {
                    "option": result.scenario.name,
                    "metric": metric,
                    "tier": tier,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "p_better": float((diff > 0).mean()) if k else math.nan,
                }
            )
    import pandas as pd

    return ComparisonResult(results, pd.DataFrame(rows))


def _period(scenario: Scenario) -> str:
    h = scenario.horizon
    warmup = f" after {h.warmup_days} warm-up days" if h.warmup_days else ""
    return f"{h.start} + {h.days} days ({h.timezone}){warmup}"


def _check_comparable(scenarios: Sequence[Scenario]) -> None:
    """Options are paired replication by replication: they must simulate the same period and
    tiers, or "the same leads in replication k" (common random numbers) means nothing."""
    base = scenarios[0]
    for other in scenarios[1:]:
        if list(other.tiers) != list(base.tiers):
            raise InputError.single(
                other.source_of("tiers"), "tiers",
                f"got tiers {list(other.tiers)}; expected the tiers of the first scenario "
                f"({base.name}) {list(base.tiers)} to pair the options",
            )
        if other.horizon != base.horizon:
            raise InputError.single(
                other.source_of("horizon"), "horizon",
                f"got {_period(other)}; expected {_period(base)}, the period of the first "
                f"scenario ({base.name}): options are compared on the same leads",
            )
