"""What wrap-up and the call-level export cost: one replication of the M/M/10 textbook month.

Run: ``.venv/bin/python benchmarks/wrapup.py [--repeats N]``. The case is
``scenarios/textbook-mmn.toml`` (lambda = 2 leads/min, 10 sellers 24/7, 10 days, ~28,800
leads). Every row has the same seller time per attempt, 4 minutes, so the queue is the same and
only the cost of the wrap-up differs: no wrap-up (4-minute talk, the reference), and a 3-minute
talk with a 1-minute wrap-up that is fixed, exponential or lognormal after both outcomes.
Prints, per row, the best wall time of a whole replication (draws, simulation, records; the
compiled loop, warmed up first) and its ratio to the reference measured in the same run, the
seller utilisation (0.8 in every row), then the time of ``calls_frame`` (the ``--export-calls``
table, without the disk write) for the reference month and the bytes per lead of the records.
The machine's load average is printed with the table: numbers taken on a busy machine are
noisy, the ratios less so. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path

import numpy as np
from patience import best_seconds  # the same timing as the patience table (this folder)

from slasim.crm.io.calls_export import calls_frame
from slasim.engine.compile import prepare
from slasim.engine.records import LEAD_DTYPE
from slasim.engine.replication import run_replication
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
TEXTBOOK = ROOT / "scenarios" / "textbook-mmn.toml"

_TALK3 = ("team.handling_conversation.mean_minutes=3", "team.handling_unanswered.mean_minutes=3")


def _both(spec: str) -> tuple[str, ...]:
    return (*_TALK3, f"team.wrapup_conversation={spec}", f"team.wrapup_unanswered={spec}")


CASES: dict[str, tuple[str, ...]] = {
    "none": (),
    "fixed": _both('{dist="fixed", mean_minutes=1}'),
    "exponential": _both('{dist="exponential", mean_minutes=1}'),
    "lognormal": _both('{dist="lognormal", mean_minutes=1, cv=0.8}'),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    rows = []
    n = 0
    for name, overrides in CASES.items():
        model = prepare(load_scenario(TEXTBOOK, overrides=overrides))
        seed = np.random.SeedSequence(0)
        rep = run_replication(model, seed)
        n = len(rep.leads)
        whole = best_seconds(lambda m=model, s=seed: run_replication(m, s), args.repeats)
        sellers = rep.sellers
        util = float(sellers["busy_minutes"].sum() / sellers["available_minutes"].sum())
        rows.append((name, whole, util))

    scenario = load_scenario(TEXTBOOK)
    rep = run_replication(prepare(scenario), np.random.SeedSequence(0))
    export = best_seconds(lambda: calls_frame(scenario, rep), args.repeats)

    ref = rows[0][1]
    load1, load5, _ = os.getloadavg()
    print(
        f"wrap-up on textbook-mmn (10 days, {n:,} leads, 4 seller-minutes per attempt); best "
        f"of {args.repeats}; Python {platform.python_version()}, {platform.machine()}; load "
        f"average {load1:.2f} (1 min) / {load5:.2f} (5 min) on {os.cpu_count()} CPUs"
    )
    print(f"{'wrap-up':<12} {'replication ms':>15} {'x none':>7} {'utilisation':>12}")
    for name, whole, util in rows:
        print(f"{name:<12} {whole * 1e3:15.1f} {whole / ref:7.2f} {util:12.1%}")
    print(
        f"calls_frame (--export-calls table) for {len(rep.leads):,} leads: {export * 1e3:.0f} ms "
        f"({export / ref:.2f} x one replication); records: {LEAD_DTYPE.itemsize} bytes per lead"
    )


if __name__ == "__main__":
    main()
