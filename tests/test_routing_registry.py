"""The routing registry (slasim.model.routing): a policy added in one place is accepted by the
schema, routed by the engine, named by the reports and run by the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from heapq import heappop, heappush
from pathlib import Path
from typing import Any

import pytest

from slasim.cli.main import main
from slasim.engine.routing import factory, fifo_router
from slasim.model.routing import (
    RouterSpec,
    register_router,
    router_label,
    router_names,
    unregister_router,
)
from slasim.render.i18n import tr
from slasim.scenario.load import load_scenario

TOY = "longest_waiting_first"
BUILT_IN = ("fifo", "newest_first", "tier_priority", "value_index")


def longest_waiting_first(
    model: Any, created: memoryview, att: memoryview, tier: memoryview,
    stale: Callable[[int, float], bool] | None,
) -> tuple[Callable[[int], None], Callable[[int, float], int]]:
    """The lead created first goes first, retries included (fifo puts a retry at the back)."""
    heap: list[tuple[float, int]] = []
    CALLS.append(TOY)

    def push(i: int) -> None:
        heappush(heap, (created[i], i))

    def pick(s: int, now: float) -> int:
        while heap:
            i = heappop(heap)[1]
            if stale is None or not stale(i, now):
                return i
        return -1

    return push, pick


CALLS: list[str] = []


@pytest.fixture
def toy() -> Iterator[str]:
    CALLS.clear()
    register_router(RouterSpec(TOY, longest_waiting_first, {
        "en": "longest waiting first", "terminal": "longest waiting first",
    }))
    try:
        yield TOY
    finally:
        unregister_router(TOY)


def test_the_built_in_policies_are_registered_first_and_resolve_lazily() -> None:
    assert router_names()[:4] == BUILT_IN
    assert factory("fifo") is fifo_router
    assert router_label("tier_priority", "en") == "by tier ({order})"
    assert tr("sv", "policy_fifo") == "först in, först ut"


def test_a_name_is_registered_once() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_router(RouterSpec("fifo", fifo_router))
    with pytest.raises(ValueError, match="identifier"):
        register_router(RouterSpec("not a name", fifo_router))


def test_a_registered_policy_runs_through_the_cli(
    toy: str, baseline_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", str(baseline_path), "--reps", "2", "--seed", "3", "--quiet", "--json", "-",
            "--workers", "1"]
    assert main([*args, "--set", f"routing.policy={toy}"]) == 0
    ours = json.loads(capsys.readouterr().out)
    assert CALLS == [toy, toy]  # one queue per replication, from the registry's factory
    assert main([*args, "--set", "routing.policy=fifo"]) == 0
    fifo = json.loads(capsys.readouterr().out)
    # Same leads (common random numbers), another order of service.
    assert ours["metrics"]["leads_created"] == fifo["metrics"]["leads_created"]
    assert ours["metrics"]["response_minutes_p90"] != fifo["metrics"]["response_minutes_p90"]
    # Labels come from the registry, with the name as the fallback.
    assert tr("en", f"policy_{toy}") == "longest waiting first"
    assert tr("sv", f"policy_{toy}") == toy


def test_unknown_names_are_refused_with_the_registered_ones(
    toy: str, baseline_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(baseline_path), "--set", "routing.policy=lifo"]) == 2
    err = capsys.readouterr().err
    assert "input should be 'fifo', 'newest_first', 'tier_priority', 'value_index' or " \
        f"'{toy}'" in err
    unregister_router(toy)
    with pytest.raises(Exception, match=toy):
        load_scenario(baseline_path, overrides=[f"routing.policy={toy}"])


def test_worker_processes_route_by_the_registered_policy(toy: str, baseline_path: Path) -> None:
    # Worker processes are forked on Linux and inherit the registry: the same months with one
    # worker and with two (each replication's numbers depend on its seed only).
    from slasim.measure.experiment import simulate

    scenario = load_scenario(baseline_path, overrides=[f"routing.policy={toy}",
                                                       "horizon.days=7"])
    one = simulate(scenario, 4, 1, 1)
    two = simulate(scenario, 4, 1, 2)
    assert one.replications.equals(two.replications)
    assert CALLS.count(toy) == 4  # the single-worker run built its queues here


def test_spawned_workers_route_by_the_registered_policy(toy: str, baseline_path: Path) -> None:
    # macOS and Windows start worker processes by spawning a fresh interpreter, which holds
    # the built-in policies only: the prepared model carries its policy's spec to the workers.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from slasim.measure.experiment import simulate

    scenario = load_scenario(baseline_path, overrides=[f"routing.policy={toy}",
                                                       "horizon.days=7"])
    one = simulate(scenario, 4, 1, 1)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        two = simulate(scenario, 4, 1, 2, executor=pool)
    assert one.replications.equals(two.replications)
    assert one.replications.shape[0] == 4
