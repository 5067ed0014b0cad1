"""The speed-up of ``slasim sweep`` from 1 to 2 Dask workers (a ``distributed.LocalCluster``).

Run: ``.venv/bin/python benchmarks/sweep_dask.py [--reps 200] [--repeat 2]`` (needs
``pip install 'slasim[dask]'``). One sweep of the baseline (sellers 4..9 x two routing
policies: 12 points) is timed on a local cluster of 1 worker process, then of 2, in the same
run, each cluster started before its clock starts (a real cluster is already running when a
sweep is sent to it). The serial run in this process is timed too, as the reference for what
the cluster costs. Prints wall times, ratios, whether the results are byte-identical, and the
machine's load average (a loaded machine gives noisy numbers: compare ratios, re-run idle).
Not part of the tests.
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from pathlib import Path

import distributed

from slasim.measure.dask_executor import DaskExecutor
from slasim.measure.sweeps import SweepResult, sweep

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
GRID = ["team.shifts[0].sellers=4..9", "routing.policy=fifo,tier_priority"]


def _timed(reps: int, seed: int, repeat: int, executor: DaskExecutor | None,
           workers: int) -> tuple[float, SweepResult]:
    """Best wall time of ``repeat`` sweeps (the least disturbed by other load)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = sweep(BASELINE, GRID, reps, seed, workers, executor=executor)
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def _on_cluster(workers: int, reps: int, seed: int, repeat: int) -> tuple[float, SweepResult]:
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        executor = DaskExecutor(client)
        executor.check_workers()
        client.run(_warm)  # imports in each worker, before the clock starts
        return _timed(reps, seed, repeat, executor, workers)


def _warm() -> None:
    # numpy, simpy, the model
    for module in ("slasim.engine.replication", "slasim.measure.metrics"):
        importlib.import_module(module)


def _same(a: SweepResult, b: SweepResult) -> bool:
    return all(
        p.result.replications.to_numpy().tobytes() == q.result.replications.to_numpy().tobytes()
        for p, q in zip(a.points, b.points, strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200,
                        help="months per grid point (default 200: enough work to time)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=2, help="timed sweeps per setting")
    args = parser.parse_args()
    load_before = os.getloadavg()
    serial, reference = _timed(args.reps, args.seed, args.repeat, None, 1)
    one, on_one = _on_cluster(1, args.reps, args.seed, args.repeat)
    two, on_two = _on_cluster(2, args.reps, args.seed, args.repeat)
    load_after = os.getloadavg()
    points = len(reference.points)
    total = points * args.reps
    print(f"slasim sweep, baseline, {points} points x {args.reps} months = {total:,} "
          f"replications, seed {args.seed}, best of {args.repeat}; {os.cpu_count()} CPUs, "
          f"load average (1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    print()
    print(f"{'executor':<28}{'wall s':>9}{'reps/s':>9}{'vs 1 Dask worker':>18}"
          f"{'same bytes':>12}")
    rows = [
        ("this process (serial)", serial, True),
        ("Dask LocalCluster, 1 worker", one, _same(reference, on_one)),
        ("Dask LocalCluster, 2 workers", two, _same(reference, on_two)),
    ]
    for name, wall, same in rows:
        print(f"{name:<28}{wall:>9.2f}{total / wall:>9.1f}{one / wall:>17.2f}x"
              f"{'yes' if same else 'NO':>12}")
    print()
    print(f"speed-up from 1 to 2 Dask workers: {one / two:.2f}x (2 cores: at most 2x; "
          "the ideal needs an idle machine)")


if __name__ == "__main__":
    main()
