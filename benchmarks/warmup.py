"""What a warm-up costs and what it changes: ``horizon.warmup_days`` side by side with none.

Run: ``.venv/bin/python benchmarks/warmup.py [--reps N]``. Prints, with the machine's load:

1. cost: seconds per replication (best of 3 rounds of ``reps`` replications, compiled loop)
   for the M/M/10 one-day horizon at rho = 0.95 and the baseline month, with 0, 1, 3 and 7
   warm-up days, and the ratio to no warm-up next to the ratio of simulated days (the warm-up
   should cost about its share of the days, no more);
2. bias: the mean wait of the leads created in the first 30 minutes of the M/M/10 day (mean of
   per-replication means, with its standard error), against Erlang C's steady-state mean wait.

Not part of the tests (tests/test_warmup.py checks the bias with fixed seeds).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from slasim.analytic.erlang import mean_wait
from slasim.engine.compile import Model, prepare
from slasim.engine.replication import run_replication
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
TEXTBOOK = ROOT / "scenarios" / "textbook-mmn.toml"
BASELINE = ROOT / "scenarios" / "baseline.toml"
RHO95 = [f"tiers.only.monthly_volume={2.375 * 1440 * 30.4375}", "horizon.days=1"]
WARMUPS = (0, 1, 3, 7)


def model(path: Path, overrides: list[str], warmup: int) -> Model:
    return prepare(load_scenario(path, overrides=[*overrides, f"horizon.warmup_days={warmup}"]))


def seconds_per_rep(m: Model, reps: int) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for seed in np.random.SeedSequence(1).spawn(reps):
            run_replication(m, seed)
        best = min(best, time.perf_counter() - t)
    return best / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20, help="replications per timing round")
    args = parser.parse_args()
    run_replication(model(TEXTBOOK, RHO95, 1), np.random.SeedSequence(0))  # compile once

    rows = []
    for name, path, overrides, days in (
        ("M/M/10 rho 0.95, 1 day", TEXTBOOK, RHO95, 1),
        ("baseline, 30 days", BASELINE, [], 30),
    ):
        base = None
        for warmup in WARMUPS:
            sec = seconds_per_rep(model(path, overrides, warmup), args.reps)
            base = base or sec
            rows.append([name, warmup, f"{sec * 1000:.1f}", f"{sec / base:.2f}",
                         f"{(days + warmup) / days:.2f}"])
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(pd.DataFrame(rows, columns=["case", "warmup_days", "ms/rep", "time ratio",
                                      "days ratio"]).to_string(index=False))

    truth = mean_wait(10, 9.5, 0.25)
    rows = []
    for warmup in WARMUPS:
        m = model(TEXTBOOK, RHO95, warmup)
        means = []
        for seed in np.random.SeedSequence(2026).spawn(10 * args.reps):
            leads = run_replication(m, seed).leads
            early = leads[leads["created"] < 30.0]
            means.append(float(np.mean(early["first_attempt"] - early["created"])))
        x = np.array(means)
        rows.append([warmup, len(x), f"{x.mean():.2f}", f"{x.std(ddof=1) / np.sqrt(len(x)):.2f}",
                     f"{truth:.2f}"])
    print()
    print("mean wait (min) of the leads created in the first 30 minutes, M/M/10 rho 0.95")
    print(pd.DataFrame(rows, columns=["warmup_days", "months", "mean", "se",
                                      "Erlang C"]).to_string(index=False))


if __name__ == "__main__":
    main()
