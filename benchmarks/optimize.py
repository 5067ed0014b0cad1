"""Wall time and simulations used by ``slasim optimize`` on the baseline, verification included.

Run: ``.venv/bin/python benchmarks/optimize.py [--workers 2] [--seed 0]``. Prints the phases'
replication counts, the total, the wall time and whether it meets the 60-second target on
2 cores. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from slasim.loader import load_scenario
from slasim.optimize import optimize

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"
TARGET_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scenario = load_scenario(BASELINE)
    start = time.perf_counter()
    result = optimize(scenario, seed=args.seed, workers=args.workers)
    wall = time.perf_counter() - start
    free = sum(1 for row in result.neighbours.itertuples())
    print(f"baseline optimize, seed {args.seed}, {args.workers} workers, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"  proposal:        {result.x}")
    print(f"  status:          {result.message}")
    print(f"  candidates:      {result.candidates} simulated")
    print(f"  verification:    {result.verify_reps} fresh months + {free} neighbours x "
          f"{result.verify_reps}")
    print(f"  replications:    {result.nfev:,} in all")
    print(f"  wall time:       {wall:.1f} s ({wall / result.nfev * 1000:.1f} ms per replication)")
    verdict = "meets" if wall < TARGET_SECONDS else "MISSES"
    print(f"  target:          {verdict} the {TARGET_SECONDS:.0f} s target")


if __name__ == "__main__":
    main()
