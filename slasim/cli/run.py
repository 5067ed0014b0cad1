"""``slasim check`` and ``slasim run`` (registered by :mod:`slasim.cli.main`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
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

if TYPE_CHECKING:
    from slasim.measure.experiment import SimulationResult

__all__ = ["register"]

EXIT_OK = 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``check`` and ``run`` to the ``slasim`` subcommands."""
    p = sub.add_parser("check", help="validate a scenario and show what it implies")
    add_scenario_args(p)
    p.add_argument("--json", metavar="PATH|-", help="also write the check as JSON")
    p.add_argument("--no-simulate", action="store_true",
                   help="the analytic screen only (no quick simulation when it finds no problem)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "run", help="simulate a scenario (or compare several) and print the SLA attainment"
    )
    add_scenario_args(
        p, "scenario TOML file(s); several are compared with the first", several=True
    )
    add_simulation_args(p, 100)
    add_executor_args(p)
    p.add_argument("--json", metavar="PATH|-", help="write the results as JSON (- for stdout)")
    p.add_argument(
        "--export-leads",
        metavar="PATH",
        help="write the first replication's leads as a CRM export CSV (one simulated period)",
    )
    p.add_argument(
        "--export-calls",
        metavar="PATH",
        help="write the first replication's leads as a call-level CSV: one row per lead (its "
        "first attempt) with call_id, tier, created, answered, ended, wrapup_ended, "
        "abandoned, agent, conversation, outcome",
    )
    p.set_defaults(func=cmd_run)


def cmd_check(args: argparse.Namespace) -> int:
    from slasim.outputs import check_outputs
    from slasim.planning.check import check_scenario
    from slasim.render.text import format_check
    from slasim.scenario.load import input_files, load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    check_outputs({"--json": args.json}, input_files(scenario))
    result = check_scenario(scenario)
    quick, too_big = None, False
    # The analytic screen cannot see the backlog at opening, priorities or repeated attempts:
    # when it finds no problem, a short simulation speaks before `check` does.
    if not result.warnings and scenario.sla.tiers and not args.no_simulate:
        from slasim.planning.staffing import quick_verdict

        quick = quick_verdict(scenario)
        too_big = quick is None
    if args.json:
        payload = {
            **result.to_dict(),
            "quick_simulation": None if quick is None else {
                "reps": quick[1], "seed": 0, **quick[0].to_dict(),
            },
        }
        write_json(payload, args.json)
    if args.json != "-":  # --json PATH also writes: the text is still printed (as run does)
        print(format_check(scenario, result, quick, too_big=too_big))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from slasim.measure.experiment import compare, simulate
    from slasim.outputs import check_outputs
    from slasim.render.text import format_comparison, format_run
    from slasim.scenario.load import input_files, load_options

    scenarios = load_options(args.scenario, args.overrides)
    exports = {"--export-leads": args.export_leads, "--export-calls": args.export_calls}
    for option, value in exports.items():
        if value and len(scenarios) > 1:
            raise InputError.single(
                "<cli>", option, "needs a single scenario; got "
                f"{len(scenarios)} ({', '.join(args.scenario)})"
            )
    check_workload(scenarios, args.reps, workers=args.workers)
    check_outputs(
        {"--json": args.json, **exports},
        [path for s in scenarios for path in input_files(s)],
    )
    with open_executor(args) as executor, Progress(args.reps * len(scenarios),
                                                   args.quiet) as bar:
        workers = executor_workers(executor, args.workers)
        tick = _loading_while_workers_run(bar, workers)
        if len(scenarios) == 1:
            result = simulate(
                scenarios[0], args.reps, args.seed, workers, progress=tick,
                keep_records=any(exports.values()), executor=executor,
            )
            results = [result]
        else:
            comparison = compare(scenarios, args.reps, args.seed, workers, progress=tick,
                                 executor=executor)
            results = comparison.results
    # With --json - stdout carries the JSON alone, so that it can be piped into another tool.
    tables = sys.stderr if args.json == "-" else sys.stdout
    for result in results:
        print(format_run(result), file=tables)
        print(file=tables)
    if len(results) > 1:
        print(format_comparison(comparison), file=tables)
    if args.json:
        payload = results[0].to_dict() if len(results) == 1 else comparison.to_dict()
        write_json(payload, args.json)
    if args.export_leads:
        _export_leads(results[0], args.export_leads)
    if args.export_calls:
        _export_calls(results[0], args.export_calls)
    return EXIT_OK


def _loading_while_workers_run(
    tick: Callable[[int, int], None], workers: int
) -> Callable[[int, int], None]:
    """``tick``, that also imports what the result tables need on its first call when worker
    processes simulate.

    The parent process only waits for the workers' results there, so the ~0.4 s of pandas and
    scipy.special imports overlap the simulation instead of adding to the wall time (the serial
    part is what limits the speed-up of ``--workers``). The workers are forked by then (the pool
    starts them all at its first task) and never need either library. With one worker the
    simulation runs in this process and nothing would overlap: ``tick`` itself is returned.
    """
    if workers <= 1:
        return tick
    pending = True

    def first_loads(done: int, total: int) -> None:
        nonlocal pending
        if pending:
            pending = False
            import pandas  # noqa: F401
            import scipy.special  # noqa: F401
        tick(done, total)

    return first_loads


def _export_leads(result: SimulationResult, path: str) -> None:
    """Write the first replication's leads (one simulated month) as a CRM export CSV.

    One month only, because a CRM export is one company's history: several replications in one
    file would look like several times the lead volume to ``slasim calibrate``.
    """
    from slasim.crm.io.export import export_leads

    assert result.records is not None  # simulate(keep_records=True)
    frame = export_leads(result.scenario, result.records[0], path)
    print(
        f"wrote {len(frame):,} simulated leads (replication 0 of {result.reps}) to {path}",
        file=sys.stderr,
    )


def _export_calls(result: SimulationResult, path: str) -> None:
    """Write the first replication's leads as a call-level CSV (one row per lead), for the
    same reason as :func:`_export_leads`: one period, as a contact centre would export it."""
    from slasim.crm.io.calls_export import export_calls

    assert result.records is not None  # simulate(keep_records=True)
    frame = export_calls(result.scenario, result.records[0], path)
    print(
        f"wrote {len(frame):,} simulated calls (replication 0 of {result.reps}) to {path}",
        file=sys.stderr,
    )
