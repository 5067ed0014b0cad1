"""The ``slasim sweep`` command: ``register(sub)`` adds it to the ``slasim`` parser.

Every check (grid, every point's scenario, workload, output paths, pyarrow, figure size)
runs before the first replication; heavy imports happen inside :func:`cmd_sweep`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from slasim.cli.args import (
    Progress,
    add_executor_args,
    add_scenario_args,
    add_simulation_args,
    check_workload,
    executor_workers,
    open_executor,
    write_json,
)
from slasim.errors import InputError
from slasim.measure.shares import SIDE_NAMES, share_digits
from slasim.measure.sweeps import PLOT_VALUES

if TYPE_CHECKING:
    from slasim.measure.sweeps import SweepResult

__all__ = ["cmd_sweep", "format_sweep", "register"]

EXIT_OK = 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``sweep`` to the ``slasim`` subcommands."""
    p = sub.add_parser(
        "sweep",
        help="simulate a scenario over a grid of --set values (same random numbers at every "
             "point) and tabulate P(met), cost and profit",
    )
    add_scenario_args(p)
    p.add_argument(
        "--grid", action="append", required=True, metavar="PATH=VALUES",
        help="one axis of the grid (repeatable): a --set path and its values, a range "
             "a..b or a..b..step or a comma list, e.g. --grid team.shifts[0].sellers=4..10 "
             "--grid routing.policy=fifo,tier_priority",
    )
    add_simulation_args(p, 100, "months simulated per grid point")
    add_executor_args(p)
    p.add_argument("--out", metavar="DIR",
                   help="write sweep.csv (one row per point) and the figure sweep.png there")
    p.add_argument("--parquet", action="store_true",
                   help="also write sweep.parquet (needs pyarrow installed)")
    p.add_argument("--figure", choices=["png", "svg", "none"], default="png",
                   help="file format of the figure in --out (default png; none: no figure)")
    p.add_argument("--plot", choices=PLOT_VALUES, default="p_joint",
                   help="what the figure shows (default p_joint: both sides keep every term "
                        "in the same month)")
    p.add_argument("--json", metavar="PATH|-", help="also write every point's results as JSON")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run ``slasim sweep``; return the exit code."""
    from slasim.measure.sweeps import build_points, require_pyarrow, sweep
    from slasim.outputs import check_outputs
    from slasim.render.sweep_figure import MAX_PANELS, panel_count
    from slasim.render.sweep_files import write_sweep
    from slasim.scenario.grid import parse_grid
    from slasim.scenario.load import input_files, load_scenario

    axes = [parse_grid(item) for item in args.grid]
    base = load_scenario(args.scenario, args.overrides)
    points = build_points(base, axes, args.scenario)  # every point valid, before any work
    check_workload([s for _, s in points], args.reps, workers=args.workers)
    if args.out is None and (args.parquet or args.figure == "svg"):
        option = "--parquet" if args.parquet else "--figure"
        raise InputError.single("<cli>", option, "writes into --out DIR; expected --out too")
    files = ["sweep.csv"]
    if args.parquet:
        require_pyarrow()
        files.append("sweep.parquet")
    if args.figure != "none":
        files.append(f"sweep.{args.figure}")
        panels = panel_count(tuple(axes))
        if panels > MAX_PANELS:
            raise InputError.single(
                "<cli>", "--figure",
                f"the grid's axes after the second give {panels} panels; expected at most "
                f"{MAX_PANELS}: put the longer axes first, or --figure none",
            )
    # Every point's files are inputs too: a grid over team.roster names files of its own.
    inputs = dict.fromkeys([*input_files(base), *(f for _, s in points for f in input_files(s))])
    check_outputs(
        {"--json": args.json},
        inputs,
        folders={"--out": (args.out, files if args.out else [])},
    )
    with open_executor(args) as executor, Progress(len(points) * args.reps, args.quiet,
                                                   desc="sweeping") as tick:
        result = sweep(args.scenario, axes, args.reps, args.seed,
                       executor_workers(executor, args.workers),
                       overrides=args.overrides, executor=executor, progress=tick)
    tables = sys.stderr if args.json == "-" else sys.stdout
    print(format_sweep(result), file=tables)
    if args.out:
        written = write_sweep(result, args.out, figure=args.figure, plot=args.plot,
                              parquet=args.parquet)
        print(f"wrote {', '.join(p.name for p in written)} to {Path(args.out)}",
              file=sys.stderr)
    if args.json:
        write_json(result.to_dict(), args.json)
    return EXIT_OK


def format_sweep(result: SweepResult) -> str:
    """The sweep as a terminal table: grid values, P(kept) per side, verdict, cost, profit."""
    table = result.table
    headers = [a.path for a in result.axes] + [
        "P(marketing)", "P(sales)", "P(joint)", "realistic", "cost", "profit"]
    rows = []
    for i, point in enumerate(result.points):
        row = table.iloc[i]
        rows.append([
            *(a.texts[a.values.index(v)] for a, v in zip(result.axes, point.values, strict=True)),
            *(_pct(row[f"p_{side}"], share_digits(point.result.verdict)) for side in SIDE_NAMES),
            "yes" if row["realistic"] else "no",
            f"{row['cost_mean']:,.0f}", f"{row['profit_mean']:,.0f}",
        ])
    widths = [max(len(h), *(len(r[j]) for r in rows)) for j, h in enumerate(headers)]
    n_axes = len(result.axes)

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if j < n_axes else c.rjust(w)
                         for j, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    from slasim.measure.months import short_period
    from slasim.measure.quarter import months
    from slasim.render.figures import runs_text

    # A horizon judged month by month: a replication is the whole period, P(kept) is in every
    # month of it (the one verdict's reading), and the money is the period's.
    monthly = bool(months(result.scenario))
    runs = runs_text(result.scenario, result.reps, "en", short=True)
    short = short_period(result.scenario.horizon.days)
    unit, every = ("periods", "; P = kept in every month") if monthly or short else ("months", "")
    if short:
        every = ""
    head = (f"sweep of {result.scenario.name}: {len(result.points)} points x {runs} "
            f"(seed {result.seed}, the same {unit} at every point){every}; "
            f"cost and profit: mean {result.scenario.costs.currency} per period")
    return "\n".join([head, "", line(headers), *(line(r) for r in rows)])


def _pct(value: float, digits: int) -> str:
    # A judged share never rounds across the confidence (79.8 %, not 80 % beside "no"), and
    # a point's three shares read alike (side_decimals).
    return "–" if value != value else f"{100 * value:.{digits}f} %"
