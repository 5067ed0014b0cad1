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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from slasim.catalogue import metric as catalogue_metric
from slasim.engine import Model, Replication, prepare, run_replication
from slasim.errors import InputError
from slasim.metrics import ALL, METRICS, MetricContext, replication_metrics
from slasim.scenario import Scenario
from slasim.terms import TERMS
from slasim.verdict import Verdict, judge

__all__ = [
    "ComparisonResult",
    "SimulationResult",
    "compare",
    "rescore",
    "simulate",
    "summarize",
    "verdict_of",
]

Progress = Callable[[int, int], None]
_QUANTILES = (0.1, 0.9)


@dataclass(frozen=True)
class _Job:
    model: Model
    context: MetricContext
    keep_records: bool


def _run_one(
    job: _Job, seed: np.random.SeedSequence
) -> tuple[dict[tuple[str, str], float], Replication | None]:
    rep = run_replication(job.model, seed)
    return replication_metrics(rep, job.context), (rep if job.keep_records else None)


# Worker processes get the job once (initializer), not once per replication.
_WORKER_JOB: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job


def _run_in_worker(
    seed: np.random.SeedSequence,
) -> tuple[dict[tuple[str, str], float], Replication | None]:
    assert _WORKER_JOB is not None
    return _run_one(_WORKER_JOB, seed)


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
        Tidy table: metric, tier, mean, ci_low, ci_high (95 % t-interval of the mean), p10, p90
        (spread across replications: what a single month may look like).
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
        """Is the scenario's agreement realistic (:func:`slasim.verdict.judge`)."""
        return verdict_of(self.scenario, self.replications)

    @property
    def p_met(self) -> dict[str, float]:
        """P(met) over replications for marketing, sales and jointly (all tiers)."""
        p = self.verdict.p
        return {f"p_met_{side}": p[side] for side in ("marketing", "sales", "joint")}

    def metric(self, name: str, tier: str = ALL) -> pd.Series:
        """Per-replication values of one metric."""
        return self.replications[(name, tier)]

    def to_dict(self) -> dict[str, object]:
        """The JSON contract of ``slasim run --json`` (see DESIGN.md)."""

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
            },
            "by_tier": by_tier,
        }


def verdict_of(scenario: Scenario, replications: pd.DataFrame) -> Verdict:
    """The verdict on per-replication metrics (columns ``(metric, tier)``) of ``scenario``."""
    tiers = tuple(t for t in scenario.tiers if t in scenario.sla.tiers)
    flags = {
        (term.flag, tier): replications[(term.flag, tier)].to_numpy(dtype=float)
        for term in TERMS for tier in tiers if (term.flag, tier) in replications
    }
    return judge(flags, tiers, scenario.sla.confidence, scenario.sla.confidence_level,
                 reps=len(replications))


def _clean(value: float) -> float | None:
    """JSON has no NaN: undefined values (e.g. a p90 of no responses) become null."""
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def _mean_ci(values: np.ndarray) -> tuple[float, float]:
    """Mean and half-width of its 95 % t-interval (NaN half-width below two values)."""
    k = len(values)
    if k == 0:
        return math.nan, math.nan
    if k == 1:
        return float(values[0]), math.nan
    half = float(stats.t.ppf(0.975, k - 1)) * float(values.std(ddof=1)) / math.sqrt(k)
    return float(values.mean()), half


def summarize(replications: pd.DataFrame) -> pd.DataFrame:
    """Tidy summary (mean, 95 % CI of the mean, p10, p90) of per-replication metrics."""
    rows = []
    for column in replications.columns:
        metric, tier = str(column[0]), str(column[1])
        values = replications[column].to_numpy(dtype=float)
        # A metric can be undefined in some replications (e.g. a p90 with no response):
        # its mean and CI use the replications where it is defined.
        finite = values[~np.isnan(values)]
        mean, half = _mean_ci(finite)
        p10, p90 = np.quantile(finite, _QUANTILES) if len(finite) else (math.nan, math.nan)
        rows.append(
            {
                "metric": metric,
                "tier": tier,
                "mean": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "p10": float(p10),
                "p90": float(p90),
            }
        )
    return pd.DataFrame(rows)


def _columns(context: MetricContext) -> list[tuple[str, str]]:
    tiers = [ALL, *(t.name for t in context.tiers)]
    return [(m, t) for m in METRICS for t in tiers]


def simulate(
    scenario: Scenario,
    reps: int = 100,
    seed: int = 0,
    workers: int = 1,
    *,
    keep_records: bool = False,
    progress: Progress | None = None,
    model: Model | None = None,
) -> SimulationResult:
    """Run ``reps`` independent replications of ``scenario``.

    Parameters
    ----------
    scenario
        A validated scenario (see :func:`slasim.loader.load_scenario`).
    reps
        Number of replications (simulated periods).
    seed
        Root seed; replication ``r`` uses child ``r`` of ``SeedSequence(seed)``.
    workers
        Worker processes; results do not depend on it.
    keep_records
        Keep every replication's per-lead records in ``result.records``.
    progress
        Called as ``progress(done, reps)`` after each replication.
    model
        A model already prepared from ``scenario`` with :func:`slasim.engine.prepare` (saves
        the preparation when the same scenario is simulated repeatedly).
    """
    if not isinstance(reps, int) or reps < 1:
        raise ValueError(f"reps(={reps!r}) must be a positive integer.")
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers(={workers!r}) must be a positive integer.")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed(={seed!r}) must be a non-negative integer.")
    job = _Job(model or prepare(scenario), MetricContext.from_scenario(scenario), keep_records)
    seeds = np.random.SeedSequence(seed).spawn(reps)
    outputs: list[tuple[dict[tuple[str, str], float], Replication | None]] = []
    if workers == 1 or reps == 1:
        for i, s in enumerate(seeds):
            outputs.append(_run_one(job, s))
            if progress:
                progress(i + 1, reps)
    else:
        with ProcessPoolExecutor(
            max_workers=min(workers, reps), initializer=_init_worker, initargs=(job,)
        ) as pool:
            # map() yields in submission order: the result does not depend on scheduling.
            chunk = max(1, reps // (workers * 8))
            for i, out in enumerate(pool.map(_run_in_worker, seeds, chunksize=chunk)):
                outputs.append(out)
                if progress:
                    progress(i + 1, reps)
    table = _table([values for values, _ in outputs], job.context)
    records = [r for _, r in outputs if r is not None] if keep_records else None
    return SimulationResult(scenario, reps, seed, table, summarize(table), records)


def _table(rows: Sequence[dict[tuple[str, str], float]], context: MetricContext) -> pd.DataFrame:
    columns = _columns(context)
    table = pd.DataFrame(
        [[values.get(c, math.nan) for c in columns] for values in rows],
        columns=pd.MultiIndex.from_tuples(columns, names=["metric", "tier"]),
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
    table = _table([replication_metrics(rep, context) for rep in result.records], context)
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


def compare(
    scenarios: Sequence[Scenario],
    reps: int = 100,
    seed: int = 0,
    workers: int = 1,
    *,
    keep_records: bool = False,
    progress: Progress | None = None,
) -> ComparisonResult:
    """Simulate several options with common random numbers and pair them with the first.

    ``keep_records`` keeps every option's per-lead records (``results[i].records``), as in
    :func:`simulate`; ``progress`` is passed to each option's :func:`simulate` in turn.
    """
    if len(scenarios) < 2:
        raise ValueError(f"compare needs at least two scenarios (got {len(scenarios)}).")
    _check_comparable(scenarios)
    results = [
        simulate(s, reps, seed, workers, keep_records=keep_records, progress=progress)
        for s in scenarios
    ]
    base = results[0].replications
    rows = []
    for result in results[1:]:
        common = [c for c in base.columns if c in result.replications.columns]
        for column in common:
            metric, tier = str(column[0]), str(column[1])
            diff = (result.replications[column] - base[column]).to_numpy(
                dtype=float
            )
            diff = diff[~np.isnan(diff)]
            k = len(diff)
            mean, half = _mean_ci(diff)
            low, high = mean - half, mean + half
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
    return ComparisonResult(results, pd.DataFrame(rows))


def _check_comparable(scenarios: Sequence[Scenario]) -> None:
    """Options are paired replication by replication: they must simulate the same period and
    tiers, or "the same leads in replication k" (common random numbers) means nothing."""
    base = scenarios[0]
    for other in scenarios[1:]:
        if list(other.tiers) != list(base.tiers):
            raise InputError.single(
                f"<scenario {other.name}>", "tiers",
                f"got tiers {list(other.tiers)}; expected the same tiers as the base "
                f"{base.name!r} {list(base.tiers)} to pair the options",
            )
        if other.horizon != base.horizon:
            raise InputError.single(
                f"<scenario {other.name}>", "horizon",
                f"got {other.horizon.start} + {other.horizon.days} days "
                f"({other.horizon.timezone}); expected the base {base.name!r}'s period "
                f"{base.horizon.start} + {base.horizon.days} days ({base.horizon.timezone})",
            )
