"""What a patience law costs: one replication of the M/M/10 textbook month per law.

Run: ``.venv/bin/python benchmarks/patience.py [--repeats N]``. The case is
``scenarios/textbook-mmn.toml`` (lambda = 2 leads/min, 4-minute handling, 10 sellers 24/7,
10 days, ~28,800 leads) with no patience and with each law of ``[routing.patience]`` at a
10-minute mean. Prints, per law, the best wall time of a whole replication (draws, simulation,
records; the compiled loop, warmed up first), the time of the patience draw alone for the
same number of leads, and both as ratios to the exponential law measured in the same run.
The machine's load average is printed with the table: numbers taken on a busy machine are
noisy, the ratios less so. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from slasim.engine.compile import prepare
from slasim.engine.replication import run_replication
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
TEXTBOOK = ROOT / "scenarios" / "textbook-mmn.toml"

LAWS: dict[str, tuple[str, ...]] = {
    "none": (),
    "exponential": ("routing.patience.dist=exponential", "routing.patience.mean_minutes=10"),
    "lognormal": ("routing.patience.dist=lognormal", "routing.patience.mean_minutes=10",
                  "routing.patience.cv=1.3"),
    "weibull": ("routing.patience.dist=weibull", "routing.patience.mean_minutes=10",
                "routing.patience.cv=0.6"),
    "empirical": ("routing.patience.dist=empirical",
                  "routing.patience.minutes=[0.13, 0.27, 1, 3, 10, 30]",
                  "routing.patience.abandoned_share=[0.1, 0.25, 0.4, 0.6, 0.8, 0.9]"),
}


def best_seconds(fn: Callable[[], object], repeats: int) -> float:
    """Best wall time of ``repeats`` calls (after one warm-up call)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    rows = []
    n = 0
    for name, overrides in LAWS.items():
        model = prepare(load_scenario(TEXTBOOK, overrides=overrides))
        seed = np.random.SeedSequence(0)
        leads = run_replication(model, seed).leads
        n = len(leads)
        whole = best_seconds(lambda m=model, s=seed: run_replication(m, s), args.repeats)
        law = model.patience
        draw = (
            best_seconds(lambda law=law, n=n: law.draw(np.random.default_rng(0), n), args.repeats)
            if law is not None else 0.0
        )
        abandoned = float(np.isfinite(leads["abandoned"]).mean())
        rows.append((name, whole, draw, abandoned))

    ref_whole, ref_draw = next((w, d) for name, w, d, _ in rows if name == "exponential")
    load1, load5, _ = os.getloadavg()
    print(
        f"patience laws on textbook-mmn (10 days, {n:,} leads, mean patience 10 min); best of "
        f"{args.repeats}; Python {platform.python_version()}, {platform.machine()}; load "
        f"average {load1:.2f} (1 min) / {load5:.2f} (5 min) on {os.cpu_count()} CPUs"
    )
    print(f"{'law':<12} {'replication ms':>15} {'x exp':>6} {'draw ms':>8} {'x exp':>6} "
          f"{'abandoned':>9}")
    for name, whole, draw, abandoned in rows:
        draw_ratio = f"{draw / ref_draw:6.2f}" if draw else f"{'-':>6}"
        print(f"{name:<12} {whole * 1e3:15.1f} {whole / ref_whole:6.2f} {draw * 1e3:8.2f} "
              f"{draw_ratio} {abandoned:9.2%}")


if __name__ == "__main__":
    main()
