"""`slasim run --workers 2` against `--workers 1` by job size, with the bound a fixed cost sets.

Run: ``.venv/bin/python benchmarks/workers.py [--reps 200 1000] [--repeat N]``.

Each command runs in a fresh interpreter (what a user waits for), the two worker counts
alternating so that both see the same machine load; the table gives the best wall time of the
repeats. From the one-worker times at two job sizes the script separates the fixed part of a
run (start-up, the scenario, the compiled loop's load, the tables at the end) from the time per
replication, ``T1(R) = fixed + R * per_rep``, and prints the speed-up two workers could reach at
best if only the replications were shared out, ``(fixed + R * per_rep) / (fixed + R * per_rep
/ 2)``, next to the measured one, and the job size from which that bound reaches 1.8x
(``R = 8 * fixed / per_rep``). Not part of the tests; numbers are only comparable within one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from _env import user_env  # this folder

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
GOAL = 1.8


def _run(reps: int, workers: int) -> float:
    """Wall seconds of one ``slasim run`` in a fresh interpreter."""
    cmd = [sys.executable, "-m", "slasim", "run", str(BASELINE), "--reps", str(reps),
           "--seed", "0", "--quiet", "--workers", str(workers)]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=user_env(), capture_output=True, text=True,
                          check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, nargs="+", default=[200, 1000],
                        help="job sizes (replications); at least two")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command")
    args = parser.parse_args(argv)
    sizes = sorted(set(args.reps))
    if len(sizes) < 2:
        parser.error("--reps needs at least two job sizes")

    print(f"slasim run baseline --seed 0, best of {args.repeat}; Python "
          f"{sys.version.split()[0]}; load average {_load()}")
    best: dict[tuple[int, int], float] = {}
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    for reps in sizes:
        for _ in range(args.repeat):
            for workers in (1, 2):
                wall = _run(reps, workers)
                best[reps, workers] = min(best.get((reps, workers), wall), wall)
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)

    lo, hi = sizes[0], sizes[-1]
    per_rep = (best[hi, 1] - best[lo, 1]) / (hi - lo)
    fixed = best[lo, 1] - lo * per_rep
    print(f"one worker: fixed part {fixed:.2f} s, {per_rep * 1000:.1f} ms per replication "
          f"(from the {lo}- and {hi}-replication runs)")
    print()
    header = (f"{'reps':>6} {'1 worker s':>11} {'2 workers s':>12} {'speed-up':>9} "
              f"{'bound':>7} {'goal':>6}")
    print(header)
    print("-" * len(header))
    for reps in sizes:
        one, two = best[reps, 1], best[reps, 2]
        work = fixed + reps * per_rep
        bound = work / (fixed + reps * per_rep / 2)
        mark = "meets" if one / two >= GOAL else "misses"
        print(f"{reps:6d} {one:11.2f} {two:12.2f} {one / two:8.2f}x {bound:6.2f}x {mark:>6}")
    print()
    print(f"the bound reaches {GOAL}x from about {8 * fixed / per_rep:,.0f} replications")
    print(f"CPU of all runs: {cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime:.1f} s;"
          f" load average after: {_load()}")


if __name__ == "__main__":
    main()
