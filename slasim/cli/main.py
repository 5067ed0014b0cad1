"""The ``slasim`` command.

Exit codes (a contract other tools rely on): 0 success; 2 invalid input (scenario, CLI
arguments, CRM file) with a message naming file, field, bad value and what was expected; 1 for
internal errors only. A user mistake never shows a traceback. Stopped from outside: 130 on
Ctrl-C, 143 on SIGTERM (worker processes stopped too), 141 quietly when the reader of stdout
closed the pipe (``slasim ... | head``); see :mod:`slasim.cli.termination`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import sys
import traceback
from collections.abc import Callable, Sequence
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
from slasim.cli.termination import (
    EXIT_BROKEN_PIPE,
    EXIT_TERMINATED,
    Terminated,
    sigterm_raises,
    silence_stdout,
)
from slasim.errors import InputError
from slasim.limits import MAX_MONEY

if TYPE_CHECKING:
    from slasim.measure.experiment import SimulationResult
    from slasim.planning.plan import Plan
    from slasim.scenario.schema import Scenario

__all__ = ["main"]

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2

#: Modules that add subcommands with ``register(sub)``; they import heavy libraries lazily so
#: that ``slasim --help`` stays fast.
_COMMAND_MODULES: tuple[str, ...] = (
    "slasim.cli.crm",
    "slasim.cli.optimize",
    "slasim.cli.report",
    "slasim.scenario.starters",
    "slasim.cli.sweep",
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad arguments as exit code 2 without a traceback (its default)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"error: <cli>: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def _cmd_check(args: argparse.Namespace) -> int:
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
            "scenario": result.scenario,
            "utilization": result.utilization if math.isfinite(result.utilization) else None,
            "tiers": json.loads(result.tiers.to_json(orient="index")),
            "shifts": json.loads(result.shifts.to_json(orient="index")),
            "warnings": result.warnings,
            "notes": result.notes,
            "roster": result.roster or None,
            "quick_simulation": None if quick is None else {
                "reps": quick[1], "seed": 0, **quick[0].to_dict(),
            },
        }
        write_json(payload, args.json)
    else:
        print(format_check(scenario, result, quick, too_big=too_big))
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:
    from slasim.measure.experiment import compare, simulate
    from slasim.outputs import check_outputs
    from slasim.render.text import format_comparison, format_run
    from slasim.scenario.load import input_files, load_scenario

    scenarios = [load_scenario(path, args.overrides) for path in args.scenario]
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


def _cmd_plan(args: argparse.Namespace) -> int:
    from slasim.outputs import check_outputs
    from slasim.planning.plan import plan_scenario
    from slasim.render.plan_text import format_plan
    from slasim.scenario.load import input_files, load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    check_outputs({"--json": args.json}, input_files(scenario))
    if args.revenue_goal is not None and not (
        math.isfinite(args.revenue_goal) and 0 <= args.revenue_goal <= MAX_MONEY
    ):
        raise InputError.single(
            "<cli>", "--revenue-goal",
            f"got {args.revenue_goal}; expected a finite amount >= 0 and <= 1e12 (like the "
            "scenario's amounts: sums over leads and months must stay finite)",
        )
    if not 0 <= args.marketing_share <= 1:
        raise InputError.single(
            "<cli>", "--marketing-share", f"got {args.marketing_share}; expected a share in [0, 1]"
        )
    plan = plan_scenario(scenario, args.revenue_goal, args.marketing_share)
    answers = []
    if not 0 <= args.reps <= 100_000:
        raise InputError.single("<cli>", "--reps", f"got {args.reps}; expected 0 (queueing "
                                "theory only) to 100000 months per staffing level")
    staff = bool(args.reps and scenario.sla.tiers)
    if staff:
        # Each staffing level simulates --reps months: refuse a job too big before it starts.
        check_workload([scenario], args.reps, workers=args.workers)
        from slasim.model.routing import router_names

        for policy in args.routing or ():
            if policy not in router_names():
                raise InputError.single("<cli>", "--routing", f"got {policy!r}; expected one "
                                        f"of {', '.join(sorted(router_names()))}")
    goal_note = _goal_note(scenario, plan, args)
    simulate_goal = plan.funnel is not None and goal_note is None
    odds = None
    if staff or simulate_goal:
        with open_executor(args) as executor:
            workers = executor_workers(executor, args.workers)
            if staff:
                from slasim.planning.staffing import staffing_answers

                with Progress(None, args.quiet, desc="staffing levels") as tick:
                    answers = staffing_answers(scenario, args.routing or None, reps=args.reps,
                                               seed=args.seed, workers=workers, progress=tick,
                                               executor=executor)
            if simulate_goal:
                from slasim.planning.goal import goal_odds

                assert plan.funnel is not None and args.revenue_goal is not None
                with Progress(None, args.quiet, desc="revenue goal") as tick:
                    odds = goal_odds(scenario, _quotas(plan),
                                     args.revenue_goal, args.marketing_share, reps=args.reps,
                                     seed=args.seed, workers=workers, progress=tick,
                                     executor=executor)
    if args.json:
        doc = plan.to_dict()
        payload = {
            **{key: doc[key] for key in ("scenario", "shifts", "hours_short")},
            "fewest_sellers": [
                {"routing": a.routing, "reps": a.reps, "seed": a.seed,
                 "sellers": None if a.sellers is None else list(a.sellers),
                 "text": a.describe(),
                 "levels": json.loads(a.levels.to_json(orient="records"))}
                for a in answers
            ],
            **{key: doc[key] for key in ("hourly", "funnel_now", "funnel")},
            "revenue_goal": None if plan.funnel is None else (
                odds.to_dict() if odds is not None else {"simulated": False, "note": goal_note}
            ),
        }
        write_json(payload, args.json)
    else:
        print(format_plan(scenario, plan, answers, odds, goal_note))
    return EXIT_OK


def _quotas(plan: Plan) -> dict[str, float]:
    """The reverse funnel's leads per tier and month."""
    assert plan.funnel is not None
    return {str(tier): float(n) for tier, n in plan.funnel["leads"].items()}


def _goal_note(scenario: Scenario, plan: Plan, args: argparse.Namespace) -> str | None:
    """Why ``plan --revenue-goal`` does not simulate the goal (None: it does).

    Raises
    ------
    InputError
        When the months at the quotas are too many to simulate with ``--reps`` (as ``run``).
    """
    if plan.funnel is None:
        return None
    if args.reps == 0:
        return "--reps 0: point estimates only (--reps N simulates how likely the goal is)"
    if args.revenue_goal == 0 or args.marketing_share == 0:
        return "no revenue is asked of marketing's leads: any quotas reach the goal"
    if scenario.trace is not None:
        return (f"the scenario replays a trace ({scenario.trace.path}): its leads are not set "
                "by quotas, so how likely the goal is is not simulated")
    from slasim.limits import MAX_LEADS_PER_REP
    from slasim.planning.goal import with_quotas

    quotas = _quotas(plan)
    at_quotas = with_quotas(scenario, quotas)
    leads = sum(quotas.values()) * scenario.horizon.simulated_months
    if leads > MAX_LEADS_PER_REP:
        return (f"the quotas are about {leads:,.0f} leads per simulated period, more than "
                f"{MAX_LEADS_PER_REP:,} a replication may hold: point estimates only")
    check_workload([at_quotas], args.reps, workers=args.workers)
    return None


def _cmd_schema(args: argparse.Namespace) -> int:
    from slasim.scenario.schema import Scenario

    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "slasim scenario"
    print(json.dumps(schema, indent=2))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="slasim", description="Design a sales-marketing SLA on evidence.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("check", help="validate a scenario and show what it implies")
    add_scenario_args(p)
    p.add_argument("--json", metavar="PATH|-", help="also write the check as JSON")
    p.add_argument("--no-simulate", action="store_true",
                   help="the analytic screen only (no quick simulation when it finds no problem)")
    p.set_defaults(func=_cmd_check)

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
        "first attempt) with created, answered, ended, wrapup_ended, abandoned, agent",
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("plan", help="instant staffing and quota answers from queueing theory")
    add_scenario_args(p)
    p.add_argument("--revenue-goal", type=float, help="monthly revenue goal -> quotas per tier")
    p.add_argument(
        "--marketing-share",
        type=float,
        default=1.0,
        help="share of the goal from marketing leads (default 1)",
    )
    p.add_argument("--json", metavar="PATH|-", help="also write the plan as JSON")
    p.add_argument("--reps", type=int, default=100,
                   help="months simulated per staffing level for the fewest sellers, and per "
                        "quota level for --revenue-goal (default 100, like run and report; 0: "
                        "queueing theory only)")
    p.add_argument("--routing", action="append", metavar="POLICY",
                   help="routing policy to find the fewest sellers for (repeatable; default: "
                        "the scenario's and tier_priority)")
    add_simulation_args(p, None)  # --seed, --workers, --quiet (--reps above: 0 is allowed)
    add_executor_args(p)
    p.set_defaults(func=_cmd_plan)

    p = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    p.set_defaults(func=_cmd_schema)

    for module in _COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def _version() -> str:
    from slasim import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = build_parser()
    try:
        with sigterm_raises():
            args = parser.parse_args(argv)
            func: Callable[[argparse.Namespace], int] = args.func
            code = func(args)
            sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
            return code
    except BrokenPipeError:
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except SystemExit as exc:  # argparse --help / --version / errors
        return int(exc.code or 0)
    except InputError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("terminated (SIGTERM); worker processes stopped", file=sys.stderr)
        return EXIT_TERMINATED
    except Exception as exc:  # an internal error: say so plainly, details on request
        if os.environ.get("SLASIM_DEBUG"):
            traceback.print_exc()
        print(
            f"internal error: {type(exc).__name__}: {exc} "
            "(this is a bug in slasim; set SLASIM_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
