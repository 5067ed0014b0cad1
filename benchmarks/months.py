"""What judging a quarter month by month costs: the metrics of one replication of
``scenarios/quarter.toml`` (Q1 2027, ~4,500 leads), with and without the monthly columns.

Run: ``.venv/bin/python benchmarks/months.py [--repeats N]``. One replication is simulated once;
then ``replication_metrics`` is timed on its records with the scenario's context (three months:
the period's metrics plus each month's flags, leads and revenue) and with the same context
without its months (the period's metrics only, what a one-period horizon computes), and the
replication itself for scale. Prints the best wall time of each, the ratio of the monthly
metrics to the period-only ones measured in the same run, and the load average (numbers taken
on a busy machine are noisy, the ratios less so). Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import platform
from dataclasses import replace
from pathlib import Path

import numpy as np
from patience import best_seconds  # the same timing as the patience table (this folder)

from slasim.engine.compile import prepare
from slasim.engine.replication import run_replication
from slasim.measure.metrics import MetricContext, replication_metrics
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
QUARTER = ROOT / "scenarios" / "quarter.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    scenario = load_scenario(QUARTER)
    model = prepare(scenario)
    seed = np.random.SeedSequence(0)
    rep = run_replication(model, seed)
    monthly = MetricContext.from_scenario(scenario)
    period = replace(monthly, months=())
    rows = [
        ("replication (simulate)", best_seconds(lambda: run_replication(model, seed),
                                                max(3, args.repeats // 5))),
        ("metrics, period only", best_seconds(lambda: replication_metrics(rep, period),
                                              args.repeats)),
        ("metrics, month by month", best_seconds(lambda: replication_metrics(rep, monthly),
                                                 args.repeats)),
    ]
    base = rows[1][1]
    print(f"{platform.processor() or platform.machine()}, load average "
          f"{os.getloadavg()[0]:.1f}; {len(rep.leads):,} leads, {len(monthly.months)} months")
    print(f"{'case':<26} {'best ms':>9} {'vs period only':>15}")
    for name, seconds in rows:
        print(f"{name:<26} {1000 * seconds:>9.2f} {seconds / base:>14.2f}x")


if __name__ == "__main__":
    main()
