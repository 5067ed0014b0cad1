"""Simulation race over the shortlist: successive halving with common random numbers.

Every candidate runs the same batches of replications (batch ``b`` uses the seed
:func:`batch_seed` ``(seed, b)``, so replication ``r`` of batch ``b`` sees the same leads in every
candidate). After each batch the candidates that are clearly out (a term out of reach, a cap
broken, or worse than the leader by more than the paired 95 % interval) leave, and at most half
stay: replications go where the decision is still close. The finalists end with
``sum(ROUNDS)`` replications each.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from slasim.engine.compile import prepare
from slasim.measure.executors import Batch, BatchResult, Executor, Job, run_batches
from slasim.measure.experiment import expected_leads, replications_table
from slasim.measure.intervals import Z_VERDICT, t_half_width
from slasim.measure.metrics import MetricContext
from slasim.optimizer.scoring import MenuScorer, samples_from
from slasim.optimizer.space import DecisionSpace, OperatingPoint
from slasim.optimizer.terms import ChosenTerms, Samples, choose_terms

__all__ = [
    "ROUNDS",
    "VERIFY_KEY",
    "Evaluation",
    "RaceResult",
    "Simulator",
    "batch_seed",
    "paired_difference",
    "race",
]

#: Replications added per round of successive halving (finalists get their sum: 200).
ROUNDS: tuple[int, ...] = (30, 30, 60, 80)
#: Key of the verification batch. Its months are those of ``SeedSequence(seed)`` itself, the
#: months ``slasim run/report/compare --seed S --reps verify_reps`` simulate: the proposal is
#: judged on exactly the months every other command shows. Race rounds use hashed keys, so
#: these months are fresh to the race.
VERIFY_KEY = 1_000_000

Progress = Callable[[int, int], None]


def batch_seed(seed: int, key: int) -> int:
    """Root seed of batch ``key``: a hash of ``(seed, key)`` by ``numpy.random.SeedSequence``."""
    return int(np.random.SeedSequence([seed, key]).generate_state(1)[0])


@dataclass
class Evaluation:
    """One operating point and the simulated months gathered for it so far."""

    point: OperatingPoint
    space: DecisionSpace = field(repr=False)
    samples: Samples | None = field(default=None, repr=False)
    batches: list[int] = field(default_factory=list)
    _job: Job | None = field(default=None, repr=False)
    _leads: float = field(default=0.0, repr=False)

    @property
    def reps(self) -> int:
        return 0 if self.samples is None else self.samples.reps

    def batch(self, key: int, seed: int, reps: int) -> Batch:
        """The :class:`~slasim.measure.executors.Batch` of batch ``key`` (``reps`` replications).

        Workers send back metric vectors and every menu entry's score (:class:`MenuScorer`),
        never the lead records.
        """
        if self._job is None:
            scenario = self.space.scenario_for(self.point)
            self._job = Job(prepare(scenario), MetricContext.from_scenario(scenario),
                            scorer=MenuScorer.of(self.space))
            self._leads = expected_leads(scenario)
        root = seed if key == VERIFY_KEY else batch_seed(seed, key)
        return Batch(self._job, root, reps, self._leads)

    def add(self, key: int, out: BatchResult) -> None:
        """Add batch ``key``'s results (of :meth:`batch`) to the samples."""
        assert self._job is not None and out.scores is not None
        table = replications_table(out.metrics, self._job.context)
        new = samples_from(self.space, table, out.scores)
        self.samples = new if self.samples is None else self.samples.extend(new)
        self.batches.append(key)


    def terms(self, z: float) -> dict[str, ChosenTerms] | None:
        """Most ambitious realistic terms at Wilson ``z`` (None: some term out of reach)."""
        assert self.samples is not None
        return choose_terms(self.samples, self.space, self.point.volumes, z)

    def mean(self, name: str = "objective") -> float:
        assert self.samples is not None
        return float(getattr(self.samples, name).mean())

    def caps_ok(self, z: float) -> bool:
        """Budget and revenue goal on the mean; ``z < 0`` gives the benefit of the doubt."""
        assert self.samples is not None
        s = self.samples
        n = s.reps

        def bound(values: np.ndarray, sign: float) -> float:
            half = float(values.std(ddof=1)) / math.sqrt(n) * abs(z) if n > 1 else 0.0
            return float(values.mean()) + sign * half

        if self.space.budget is not None:
            cost = bound(s.cost, -1.0 if z < 0 else 1.0)
            if cost > self.space.budget:
                return False
        if self.space.revenue_goal is not None:
            value = bound(s.value, 1.0 if z < 0 else -1.0)
            if value < self.space.revenue_goal:
                return False
        return True

    def feasible(self, z: float) -> bool:
        return self.caps_ok(z) and self.terms(z) is not None


@dataclass
class Simulator:
    """Runs evaluations' batches on one executor for a whole optimization.

    ``progress(done, done)`` is called after each finished task with the replications done
    so far by this simulator (the total is not known in advance).
    """

    seed: int
    executor: Executor
    workers: int = 1
    progress: Progress | None = None
    done: int = 0

    def run(self, evaluations: Sequence[Evaluation], key: int, reps: int) -> None:
        """Add batch ``key`` (``reps`` replications each) to every evaluation, in one
        submission: the candidates of a round run side by side."""
        if not evaluations:
            return
        base = self.done

        def tick(done: int, total: int) -> None:
            self.done = base + done
            if self.progress:
                self.progress(self.done, self.done)

        batches = [ev.batch(key, self.seed, reps) for ev in evaluations]
        outs = run_batches(batches, self.executor, self.workers, tick)
        for ev, out in zip(evaluations, outs, strict=True):
            ev.add(key, out)


def paired_difference(a: Evaluation, b: Evaluation, name: str = "objective") -> tuple[float, float]:
    """Mean of ``a - b`` per replication and its 95 % t half-width (common random numbers)."""
    assert a.samples is not None and b.samples is not None
    n = min(a.reps, b.reps)
    diff = getattr(a.samples, name)[:n] - getattr(b.samples, name)[:n]
    if n < 2:
        return float(diff.mean()), math.inf
    return float(diff.mean()), t_half_width(diff)


@dataclass(frozen=True)
class RaceResult:
    """Every evaluation (in shortlist order) and the finalists ranked best first."""

    evaluations: list[Evaluation]
    ranking: list[Evaluation]
    nfev: int


def race(
    space: DecisionSpace,
    points: Sequence[OperatingPoint],
    simulator: Simulator,
    rounds: Sequence[int] = ROUNDS,
) -> RaceResult:
    """Successive halving over ``points``; ranking holds the feasible finalists.

    Every round's candidates run in one submission to ``simulator``'s executor.
    """
    evaluations = [Evaluation(p, space) for p in points]
    alive = list(evaluations)
    nfev = 0
    for key, reps in enumerate(rounds):
        simulator.run(alive, key, reps)
        nfev += reps * len(alive)
        if key == len(rounds) - 1:
            break
        # Optimistic screen (Wilson upper bound): drop only what is clearly out of reach.
        possible = [ev for ev in alive if ev.feasible(-Z_VERDICT)]
        if not possible:
            alive = []
            break
        # The leader must be feasible with evidence (one standard error, as in the final
        # ranking): a leader that is feasible only by luck (say a cheap staffing whose first
        # months happen to reach the revenue goal) must not knock out those that surely do.
        # Among the rest, those whose mean cost and revenue already keep the caps go first: one
        # over the budget on the mean (let in by the optimistic bound, or by the screen's budget
        # slack) must not crowd out a cheaper candidate that fits it.
        confident = {id(ev) for ev in possible if ev.feasible(1.0)}
        possible.sort(key=lambda ev: (id(ev) not in confident, not ev.caps_ok(0.0), -ev.mean()))
        leader = possible[0] if id(possible[0]) in confident else None
        close = [
            ev for ev in possible
            if leader is None or ev is leader or sum(paired_difference(ev, leader)) >= 0.0
        ]
        alive = close[: max(2, math.ceil(len(alive) / 2))]
    # Final word on the evidence: terms need P(met) >= confidence at one standard error.
    ranking = [ev for ev in alive if ev.feasible(1.0)] or [ev for ev in alive if ev.feasible(0.0)]
    ranking.sort(key=lambda ev: -ev.mean())
    return RaceResult(evaluations, ranking, nfev)
