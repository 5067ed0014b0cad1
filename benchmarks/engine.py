"""slasim's engine side by side with Ciw and a minimal simpy model on the same M/M/n+M queue.

Run: ``.venv/bin/python benchmarks/engine.py [--quick]`` (Ciw comes with the ``bench`` extra:
``.venv/bin/pip install -e '.[bench]'``). The case is ``scenarios/textbook-erlang-a.toml``:
lambda = 2 leads/min, exponential 4-minute handling, n = 10 sellers 24/7, one attempt, FIFO,
exponential patience with mean 10 minutes (Erlang A). Prints

1. one table for a 10-day month (~28,800 leads): wall seconds (best of the repeats),
   leads/s, peak MiB (tracemalloc, in a separate run since tracing slows Python down) and the
   speed and memory ratios to Ciw, all measured in this run;
2. a consistency table: P(abandon), P(W > 0) and E[W | served] of each model's run next to
   Erlang A (:func:`slasim.analytic.erlang_a`), so the three are timed on the same queue;
3. a scaling table for slasim (and the peers where they finish in reasonable time): leads,
   wall s, microseconds per lead and peak MiB from ~10k to ~1M leads.

Each model does its whole job in the timed region: build the model, draw the randomness,
simulate, and hold per-lead results (slasim also resolves the sales funnel of every lead,
which the peers do not model). Not part of the tests.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import time
import tracemalloc
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import simpy

from slasim.analytic import erlang_a
from slasim.engine.compile import prepare
from slasim.engine.replication import run_replication
from slasim.render.text import format_table
from slasim.scenario.load import load_scenario

try:  # optional peer, in the `bench` extra
    import ciw
except ImportError:  # pragma: no cover - depends on the environment
    ciw = None

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "textbook-erlang-a.toml"
LAM, MU, N, THETA = 2.0, 0.25, 10, 0.1  # must match SCENARIO (checked in main)
MAIN_DAYS = 10
SCALE_DAYS = (4, 35, 347)  # ~11.5k, ~100k, ~1M leads at 2,880 leads a day
PEER_MAX_DAYS = 35  # the peers' 1M-lead runs take minutes (Ciw: gigabytes): skipped
WARMUP, COOLDOWN = 60.0, 120.0  # minutes left out of the consistency statistics


@dataclass(frozen=True)
class Outcome:
    """Per-lead results of one run, enough for the Erlang A consistency check."""

    created: np.ndarray  # minutes
    wait: np.ndarray  # minutes to the first attempt, or to abandonment
    abandoned: np.ndarray  # bool
    horizon: float

    def stats(self) -> tuple[float, float, float]:
        """P(abandon), P(W > 0), E[W | served] over leads away from the horizon's ends."""
        keep = (self.created >= WARMUP) & (self.created <= self.horizon - COOLDOWN)
        wait, gone = self.wait[keep], self.abandoned[keep]
        return float(gone.mean()), float((wait > 0).mean()), float(wait[~gone].mean())


Runner = Callable[[int, int], Outcome]  # (days, seed) -> outcome


def run_slasim(days: int, seed: int) -> Outcome:
    """slasim's callback-style simpy engine on the scenario file."""
    model = prepare(load_scenario(SCENARIO, overrides=[f"horizon.days={days}"]))
    leads = run_replication(model, np.random.SeedSequence(seed)).leads
    gone = ~np.isnan(leads["abandoned"])
    # Leads still waiting at the horizon end have neither time; they fall in the cooldown.
    end = np.where(gone, leads["abandoned"], leads["first_attempt"])
    return Outcome(leads["created"], end - leads["created"], gone, model.horizon_minutes)


def run_simpy(days: int, seed: int) -> Outcome:
    """The textbook simpy model: one generator process per lead, a Resource for sellers."""
    horizon = days * 1440.0
    rng = np.random.default_rng(seed)
    # Vectorised draws (fair to simpy): enough arrivals for the horizon with a safe margin.
    size = int(LAM * horizon + 10 * math.sqrt(LAM * horizon) + 10)
    created = np.cumsum(rng.exponential(1 / LAM, size))
    created = created[created < horizon]
    n = len(created)
    service = rng.exponential(1 / MU, n).tolist()
    patience = rng.exponential(1 / THETA, n).tolist()
    wait = np.full(n, np.nan)
    gone = np.zeros(n, dtype=bool)
    env = simpy.Environment()
    sellers = simpy.Resource(env, capacity=N)

    def lead(i: int) -> Generator[simpy.Event, Any, None]:
        arrived = env.now
        with sellers.request() as req:
            got = yield req | env.timeout(patience[i])
            wait[i] = env.now - arrived
            if req in got:
                yield env.timeout(service[i])
            else:
                gone[i] = True

    def source() -> Generator[simpy.Event, Any, None]:
        last = 0.0
        for i, t in enumerate(created.tolist()):
            yield env.timeout(t - last)
            last = t
            env.process(lead(i))

    env.process(source())
    env.run(until=horizon)
    return Outcome(created, wait, gone, horizon)


def run_ciw(days: int, seed: int) -> Outcome:
    """Ciw's M/M/n with reneging (its own event loop and per-customer objects)."""
    assert ciw is not None
    horizon = days * 1440.0
    # Ciw draws from module-level generators; ciw.seed is its only way to seed them.
    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=LAM)],
        service_distributions=[ciw.dists.Exponential(rate=MU)],
        number_of_servers=[N],
        reneging_time_distributions=[ciw.dists.Exponential(rate=THETA)],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(horizon)
    records = sim.get_all_records(only=["service", "renege"])
    created = np.array([r.arrival_date for r in records])
    wait = np.array([r.waiting_time for r in records])
    gone = np.array([r.record_type == "renege" for r in records])
    order = np.argsort(created, kind="stable")
    return Outcome(created[order], wait[order], gone[order], horizon)


@dataclass(frozen=True)
class Measurement:
    model: str
    leads: int
    seconds: float
    peak_mib: float
    outcome: Outcome


def measure(name: str, runner: Runner, days: int, repeats: int, seed: int = 1) -> Measurement:
    """Best wall time of ``repeats`` untraced runs, then one traced run for the peak memory."""
    best = math.inf
    outcome = None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        outcome = runner(days, seed)
        best = min(best, time.perf_counter() - start)
    assert outcome is not None
    del outcome
    gc.collect()
    tracemalloc.start()
    outcome = runner(days, seed)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return Measurement(name, len(outcome.created), best, peak, outcome)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, scaling up to ~100k")
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    scale_days = SCALE_DAYS[:2] if args.quick else SCALE_DAYS

    routing = load_scenario(SCENARIO).routing
    assert routing.patience_minutes == 1 / THETA, "benchmark constants differ from the scenario"

    runners: list[tuple[str, Runner]] = [("slasim engine", run_slasim)]
    if ciw is not None:
        runners.append(("Ciw", run_ciw))
    runners.append(("minimal simpy", run_simpy))
    for _, runner in runners:
        runner(1, 0)  # warm up imports and caches

    print(
        f"M/M/{N}+M: lambda={LAM}/min, 1/mu={1 / MU:g} min, mean patience {1 / THETA:g} min, "
        f"{MAIN_DAYS} days; best of {repeats}; Python {platform.python_version()}, "
        f"{platform.machine()}, simpy {simpy.__version__}"
        + (f", Ciw {ciw.__version__}" if ciw is not None else " (Ciw not installed)")
        + f"; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    main_runs = [measure(name, runner, MAIN_DAYS, repeats) for name, runner in runners]
    ref = next((m for m in main_runs if m.model == "Ciw"), None)
    rows = []
    for m in main_runs:
        rate = m.leads / m.seconds
        rows.append({
            "model": m.model,
            "leads": m.leads,
            "wall s": m.seconds,
            "leads/s": rate,
            "peak MiB": m.peak_mib,
            "speed vs Ciw": rate / (ref.leads / ref.seconds) if ref else math.nan,
            "memory vs Ciw": m.peak_mib / ref.peak_mib if ref else math.nan,
        })
    print(format_table(pd.DataFrame(rows).set_index("model"), {
        "leads": "{:,}", "wall s": "{:.3f}", "leads/s": "{:,.0f}", "peak MiB": "{:.1f}",
        "speed vs Ciw": "{:.2f}x", "memory vs Ciw": "{:.2f}x",
    }))

    theory = erlang_a(N, LAM, MU, THETA)
    consistency = [{
        "model": "Erlang A (exact)",
        "P(abandon)": theory.abandon_probability,
        "P(W>0)": theory.wait_probability,
        "E[W | served] min": theory.mean_wait_served,
    }]
    for m in main_runs:
        p_ab, p_wait, w_served = m.outcome.stats()
        consistency.append({
            "model": m.model, "P(abandon)": p_ab, "P(W>0)": p_wait, "E[W | served] min": w_served,
        })
    print(f"\nConsistency (one {MAIN_DAYS}-day run each, first {WARMUP:g} and last "
          f"{COOLDOWN:g} minutes left out; sampling error a few % of each value)")
    print(format_table(pd.DataFrame(consistency).set_index("model"), {
        "P(abandon)": "{:.4f}", "P(W>0)": "{:.4f}", "E[W | served] min": "{:.4f}",
    }))
    del main_runs

    print(f"\nScaling (best of {repeats} up to {MAIN_DAYS} days, one run beyond; peak MiB "
          f"traced; peers skipped beyond {PEER_MAX_DAYS} days)")
    scale = []
    for days in scale_days:
        for name, runner in runners:
            if name != "slasim engine" and days > PEER_MAX_DAYS:
                continue
            m = measure(name, runner, days, repeats if days <= MAIN_DAYS else 1)
            scale.append({
                "model": m.model, "days": days, "leads": m.leads, "wall s": m.seconds,
                "us/lead": m.seconds / m.leads * 1e6, "peak MiB": m.peak_mib,
            })
            del m
            gc.collect()
    print(format_table(pd.DataFrame(scale).set_index("model"), {
        "leads": "{:,}", "wall s": "{:.2f}", "us/lead": "{:.2f}", "peak MiB": "{:.1f}",
    }))


if __name__ == "__main__":
    main()
