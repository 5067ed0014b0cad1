"""One executor per job: optimize, report and track run every replication on the executor they
are given, the optimizer's race rounds go in one submission each, and workers send back metric
vectors and per-term scores, never lead records (slasim.measure.executors)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from slasim.measure.executors import Task, TaskResult
from slasim.optimizer import optimize
from slasim.optimizer.screen import screen
from slasim.optimizer.space import build_space
from slasim.planning.staffing import staffing_answers
from slasim.render.report.build import build_report
from slasim.scenario.load import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
BASE = SCENARIOS / "baseline.toml"
# The one-week baseline of test_optimize (~350 leads per replication).
SMALL = [
    "horizon.days=7",
    "sla.tiers.hot.qualify_rate_target=0.1",
    "sla.tiers.warm.qualify_rate_target=0.03",
    "optimize.sellers.office=[4, 7]",
    "optimize.tiers.hot.volume=[150, 150]",
]


class Counting:
    """An executor with nothing but ``map`` (runs here, in order) that records every
    submission: the tasks and what came back."""

    def __init__(self) -> None:
        self.submissions: list[list[Task]] = []
        self.results: list[TaskResult] = []

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Iterator[Any]:
        (tasks,) = iterables
        tasks = list(tasks)
        self.submissions.append(tasks)
        for task in tasks:
            result = fn(task)
            self.results.append(result)
            yield result

    @property
    def reps(self) -> int:
        return sum(t.stop - t.start for tasks in self.submissions for t in tasks)

    def jobs(self, k: int) -> int:
        """Distinct jobs (simulated scenarios) of submission ``k``."""
        return len({id(t.job) for t in self.submissions[k]})


@pytest.fixture(scope="module")
def small_run() -> tuple[object, Counting]:
    toy = Counting()
    r = optimize(load_scenario(BASE, SMALL), seed=1, workers=2, verify_reps=60,
                 rounds=(20, 20, 40), executor=toy)
    return r, toy


def test_optimize_runs_every_replication_on_the_given_executor(small_run) -> None:  # type: ignore[no-untyped-def]
    r, toy = small_run
    assert r.success and r.staffing is not None
    # Race, verification, neighbours, speed walk, frontier and the staffing search: every
    # replication went through `toy` (a pool opened anywhere else would be missing here).
    assert toy.reps == r.nfev + len(r.staffing.levels) * r.verify_reps


def test_race_rounds_go_in_one_submission(small_run) -> None:  # type: ignore[no-untyped-def]
    _, toy = small_run
    scenario = load_scenario(BASE, SMALL)
    shortlist = screen(build_space(scenario, verify_reps=60)).shortlist
    assert len(shortlist) >= 4
    # Round 1: every shortlisted candidate, 20 replications each, in the first submission.
    assert toy.jobs(0) == len(shortlist)
    assert sum(t.stop - t.start for t in toy.submissions[0]) == 20 * len(shortlist)
    # Round 2: the survivors (at least two) together.
    assert toy.jobs(1) >= 2


def test_workers_send_back_scores_not_records(small_run) -> None:  # type: ignore[no-untyped-def]
    _, toy = small_run
    assert toy.results and all(res.records is None for res in toy.results)
    race = [res for res in toy.results if res.scores is not None]
    assert race and all(res.scores.shape[0] == res.stop - res.start for res in race)  # type: ignore[union-attr]


def test_optimizer_proposal_unchanged(small_run) -> None:  # type: ignore[no-untyped-def]
    # The proposal of commit 62441f8 (a ProcessPoolExecutor per simulate(), the race's
    # candidates one after another, per-term flags computed in the parent from lead records)
    # on this scenario and seed: the same months give the same choices, whoever runs them.
    # One explained difference since: the race leader office=4 failed verification because
    # choose_terms gave up when a term sat at the end of its menu, and office=5 (hot 80 % in
    # 15 min) was proposed after a second verification (500 replications). With that fixed,
    # office=4's verification steps hot response back to 90 % in 30 min and passes at once.
    r, _ = small_run
    assert r.x is not None and r.x.sellers == (4,) and r.x.routing == "tier_priority"
    assert r.x.volumes == (150.0, 450.0, 900.0)
    terms = {n: (t.quota, t.response_target_minutes, t.response_share, t.min_attempts,
                 t.qualify_rate_target) for n, t in r.terms.items()}
    assert terms == {"hot": (104, 30.0, 0.9, 6, 0.15), "warm": (339, 240.0, 0.9, 6, 0.05),
                     "cold": (630, 480.0, 0.8, 3, None)}
    assert (r.nfev, r.candidates) == (400, 8)
    assert r.staffing.sellers == (4,)  # type: ignore[union-attr]


def test_report_runs_every_replication_on_the_given_executor() -> None:
    scenario = load_scenario(BASE, SMALL)
    faster = load_scenario(BASE, [*SMALL, "team.shifts[0].sellers=8"])
    toy = Counting()
    shared = build_report(scenario, options=[faster], reps=4, seed=2, executor=toy)
    answers = staffing_answers(scenario, reps=4, seed=2)
    levels = sum(len(a.levels) for a in answers)
    assert toy.reps == 4 * 2 + 4 * levels
    assert len(toy.submissions[0]) >= 1 and toy.jobs(0) == 2  # both options at once
    alone = build_report(scenario, options=[faster], reps=4, seed=2, workers=2)
    assert shared.html == alone.html
