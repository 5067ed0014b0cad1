"""The ``slasim optimize`` command: ``register(sub)`` adds it to the ``slasim`` parser.

Heavy imports (engine, pandas, scipy) happen inside :func:`cmd_optimize`, so ``slasim --help``
stays fast. User mistakes raise :class:`~slasim.errors.InputError` (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from slasim.cli.args import (
    Progress,
    add_executor_args,
    add_scenario_args,
    add_simulation_args,
    amount,
    check_workload,
    executor_workers,
    open_executor,
    share,
    verify_rep_count,
)
from slasim.errors import InputError
from slasim.measure.verdict_words import unit as period_unit

if TYPE_CHECKING:
    import pandas as pd

    from slasim.optimizer.result import OptimizeResult
    from slasim.scenario.schema import Scenario

__all__ = ["OUTPUT_FILES", "cmd_optimize", "format_result", "register"]

EXIT_OK = 0
#: The files ``--out DIR`` receives (:meth:`slasim.optimizer.result.OptimizeResult.write`).
OUTPUT_FILES = ("proposal.toml", "frontier.csv", "value_of_speed.csv", "result.json")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``optimize`` to the ``slasim`` subcommands."""
    p = sub.add_parser(
        "optimize",
        help="propose realistic SLA terms, staffing and volumes (screen, simulate, verify)",
    )
    add_scenario_args(p)
    p.add_argument("--objective", choices=["profit", "cost"],
                   help="maximize profit, or minimize cost subject to --revenue-goal "
                        "(default: [optimize] objective, else profit)")
    p.add_argument("--confidence", type=share,
                   help="share of simulated months each term must be met in "
                        "(default: sla.confidence)")
    p.add_argument("--budget", type=amount, help="cap on monthly seller + lead cost")
    p.add_argument("--revenue-goal", type=amount,
                   help="monthly revenue + pipeline value to reach (with --objective cost)")
    add_simulation_args(p, None)  # no --reps: the race decides; --verify-reps below
    add_executor_args(p)
    p.add_argument("--verify-reps", type=verify_rep_count,
                   help="fresh replications verifying the winner (default [optimize] "
                        "verify_reps, 200)")
    p.add_argument("--no-staffing", action="store_true",
                   help="skip the search for the fewest sellers that keep the proposal "
                        "(saves one or two staffing levels of --verify-reps months)")
    p.add_argument("--out", metavar="DIR",
                   help="write proposal.toml, frontier.csv, value_of_speed.csv, result.json")
    p.add_argument("--hire-options", metavar="N@DATE[:SHIFT],...",
                   help="decide the hiring plan instead: compare hiring N sellers from DATE "
                        "(on SHIFT, default the first shift) per option, and no new hire, on "
                        "the same --verify-reps periods; propose the cheapest realistic one "
                        "(writes proposal.toml, hire_options.csv, result.json)")
    p.set_defaults(func=cmd_optimize)


def _money(columns: list[str]) -> dict[str, str]:
    return {c: "{:,.0f}" for c in columns}


def _caps_lines(result: OptimizeResult, unit: str) -> list[str]:
    """Verified cost (and revenue) per month, against the budget (and goal) when set."""
    months = f"mean over the {result.verify_reps} verification {result.period_unit}"
    cost = f"cost per month: {result.cost:,.0f} {unit} (sellers + leads, {months})"
    if result.budget is not None:
        room = result.budget - result.cost
        cost += (f"; budget {result.budget:,.0f}: "
                 + (f"{room:,.0f} to spare" if room >= 0 else f"{-room:,.0f} over"))
    lines = [cost]
    if result.revenue_goal is not None:
        gap = result.revenue - result.revenue_goal
        lines.append(f"revenue + pipeline per month: {result.revenue:,.0f} {unit}; goal "
                     f"{result.revenue_goal:,.0f}: "
                     + (f"{gap:,.0f} above" if gap >= 0 else f"{-gap:,.0f} short"))
    return lines


def _fewer_than_proposed(result: OptimizeResult) -> str:
    """Why the proposal has more sellers than the fewest that keep it, when it does: the
    optimizer leaves its proposal for fewer sellers only on a gain beyond the paired CI."""
    answer = result.staffing
    if answer is None or answer.total is None or answer.total >= sum(answer.current):
        return ""
    proposed = sum(answer.current)  # the proposal's shifts, where the search started
    return (f"; the proposal keeps {proposed}: it moves to fewer sellers only when they earn "
            "more beyond the paired 95 % interval (see Neighbours)")


def _unmeasured(result: OptimizeResult) -> bool:
    table = result.verification
    return "measured" in table and not table["measured"].astype(bool).all()


def _verification_shown(table: pd.DataFrame) -> pd.DataFrame:
    """The verification table as printed: a term no month measured reads "n/m" (it counts as
    met, as the verdict says), not a P(met) of 1.00."""
    shown = table.set_index(["tier", "term"])
    if "measured" not in shown:
        return shown
    columns = ["p_met", "ci_low", "ci_high", "met"]
    shown = shown.astype(dict.fromkeys(columns, object))
    shown.loc[~shown.pop("measured").astype(bool), columns] = "n/m"
    return shown


def _judged_p(shown: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """A judged P(met) (``met`` True or False) with the decimals that keep it on its side of
    the confidence: 0.798 reads "0.798", not "0.80" beside met False; the three sides' rows
    ("all") share one count, so the joint never reads above a side."""
    import numpy as np

    from slasim.measure.shares import decimals_against

    def judged(p: object, met: object) -> bool:
        return isinstance(met, bool | np.bool_) and isinstance(p, float)

    rows = list(zip(shown.index, shown["p_met"], shown["met"], strict=True))
    sides = [key for key, _, _ in rows if isinstance(key, tuple) and key[0] == "all"]
    d_sides = max((decimals_against(float(p), confidence) for key, p, met in rows
                   if key in sides and judged(p, met)), default=0)
    shown = shown.astype({"p_met": object})
    for key, p, met in rows:
        if key in sides and isinstance(p, float):
            shown.at[key, "p_met"] = f"{p:.{2 + d_sides}f}"
        elif judged(p, met):
            shown.at[key, "p_met"] = f"{p:.{2 + decimals_against(float(p), confidence)}f}"
    return shown


def format_result(result: OptimizeResult, out_dir: str | None = None) -> str:
    """The terminal report: proposal, verification, runner-ups, neighbours, frontier, speed."""
    from slasim.render.text import format_table

    s = result.scenario
    lines = [f"slasim optimize {s.name!r}: objective {result.objective}, "
             f"confidence {result.confidence:g}, seed {result.seed}"]
    if result.x is None or result.proposal is None:
        lines += [f"NO PROPOSAL: {result.message}"]
    else:
        shifts = ", ".join(
            f"{sh.name or f'shift{j}'} {sh.sellers}"
            for j, sh in enumerate(result.proposal.team.shifts)
        )
        volumes = ", ".join(f"{n} {t.monthly_volume:g}" for n, t in result.proposal.tiers.items())
        unit = s.costs.currency
        lines += [
            f"proposal: sellers {shifts}; routing {result.x.routing}; leads/month {volumes}",
            f"objective per month: {result.fun:,.0f} {unit} "
            f"[{result.fun_ci[0]:,.0f}, {result.fun_ci[1]:,.0f}]",
            *_caps_lines(result, unit),
            f"status: {result.message}",
            *(f"bound: {note}" for note in result.notes),
            "",
            f"Proposed terms and P(met) over the {result.verify_reps} verification "
            f"{result.period_unit} (seed "
            f"{result.seed}; 95 % Wilson CI); rows 'all': each side keeps every term together"
            + ("; n/m: not measured, counts as met" if _unmeasured(result) else ""),
            format_table(_judged_p(_verification_shown(result.verification), result.confidence),
                         {"p_met": "{:.2f}", "ci_low": "{:.2f}", "ci_high": "{:.2f}"}),
        ]
        if len(result.neighbours):
            lines += ["", f"Neighbours (±1 seller, same {result.period_unit}; objective "
                          "difference, 95 % CI)",
                      format_table(result.neighbours.set_index("neighbour"),
                                   _money(["objective_diff", "ci_low", "ci_high"]))]
    if len(result.runner_ups):
        lines += ["", f"Runner-ups (race {result.period_unit}; paired difference to the race "
                      "leader)",
                  format_table(result.runner_ups.set_index("candidate"),
                               {**_money(["objective", "vs_leader", "vs_ci_half"])})]
    if len(result.frontier):
        shown = result.frontier[["candidate", "months", "cost", "revenue", "objective",
                                 "vs_proposal", "p_sales", "p_joint",
                                 "on_frontier"]].set_index("candidate")
        months = int(result.frontier["months"].iloc[0])
        lines += ["", f"Frontier: every candidate on the same {months} {result.period_unit} "
                      "(race batch 1), "
                      "money per month (revenue = won + pipeline value); vs_proposal = paired "
                      "objective difference; p_*: how often the proposed terms are kept there",
                  format_table(shown, {**_money(["cost", "revenue", "objective", "vs_proposal"]),
                                       "p_sales": "{:.0%}", "p_joint": "{:.0%}"})]
    if len(result.value_of_speed):
        lines += ["", "Value of speed: cheapest simulated staffing meeting each response target "
                      "of the fastest tier on its own (that term only, not the whole agreement; "
                      "money per month)",
                  format_table(result.value_of_speed.set_index("target_minutes"),
                               {**_money(["cost", "revenue", "profit"]),
                                "p_met": "{:.0%}"})]
    lines += ["", f"{result.nfev:,} replications over {result.candidates} candidates "
                  f"in {result.wall_seconds:.1f} s"]
    if result.staffing is not None:
        lines += [f"fewest sellers that keep the proposed agreement: "
                  f"{result.staffing.describe()} ({result.staffing.reps} "
                  f"{period_unit('en', result.staffing.period_days)} per level)"
                  + _fewer_than_proposed(result)]
    if result.verdict is not None:
        lines += ["", result.verdict.sentence()]
    if result.proposal is not None and out_dir:
        lines += [f"Next: {result.report_command(out_dir)} writes the agreement for this "
                  f"proposal, on the same {result.period_unit} (the same verdict)."]
    return "\n".join(lines)


def _cmd_hires(args: argparse.Namespace, scenario: Scenario) -> int:
    """``optimize --hire-options``: the hiring plan as a decision (slasim.optimizer.hires)."""
    from slasim.optimizer.hires import (
        HIRE_FILES,
        decide_hires,
        format_decision,
        parse_hire_options,
        with_hire,
        write_decision,
    )
    from slasim.outputs import check_outputs
    from slasim.scenario.load import input_files

    options = parse_hire_options(args.hire_options, scenario)
    for option in options:
        with_hire(scenario, option)  # a hire the scenario cannot hold exits 2 before any run
    reps = args.verify_reps or (scenario.optimize.verify_reps if scenario.optimize else 200)
    # Every option and the verification of each proposal tried: (options + 2) x reps periods.
    check_workload([scenario] * (len(options) + 2), reps, "--verify-reps", args.workers)
    check_outputs({}, input_files(scenario), folders={"--out": (args.out, HIRE_FILES)})
    with open_executor(args) as executor, Progress(
        (len(options) + 1) * reps, args.quiet, desc="hire options"
    ) as tick:
        decision = decide_hires(scenario, options, reps=reps, seed=args.seed,
                                workers=executor_workers(executor, args.workers),
                                executor=executor, progress=tick)
    print(format_decision(decision, args.out))
    if args.out:
        try:
            written = write_decision(decision, args.out, args.scenario)
        except OSError as exc:
            raise InputError.single(args.out, "--out", f"cannot write there ({exc})") from None
        print(f"wrote {', '.join(written)}", file=sys.stderr)
    return EXIT_OK


def cmd_optimize(args: argparse.Namespace) -> int:
    """Run the optimizer and print its report.

    Exits 0 also when no candidate meets the terms (the report says ``NO PROPOSAL`` and no
    proposal.toml is written): an infeasible SLA is an answer, not an error.
    """
    from slasim.outputs import check_outputs
    from slasim.scenario.load import input_files, load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    if args.hire_options is not None:
        return _cmd_hires(args, scenario)
    from slasim.measure.quarter import months

    if months(scenario):
        raise InputError.single(
            "<cli>", "horizon.days",
            f"got {scenario.horizon.days} days: a horizon of several months is judged month by "
            "month, and optimize chooses terms and staffing for one period; optimize one month "
            "(--set horizon.days=30), or decide the hiring plan with --hire-options",
        )
    # The verification alone simulates this many months (the race and neighbours add more).
    if args.verify_reps is not None:
        check_workload([scenario], args.verify_reps, "--verify-reps", args.workers)
    elif scenario.optimize is not None:
        check_workload(
            [scenario], scenario.optimize.verify_reps, "optimize.verify_reps", args.workers
        )
    # Before the optimisation (and its imports), not after it: a bad --out must not cost the
    # whole run.
    check_outputs({}, input_files(scenario), folders={"--out": (args.out, OUTPUT_FILES)})
    from slasim.optimizer.core import optimize

    scenario_goal = scenario.optimize.revenue_goal if scenario.optimize else None
    if args.objective == "cost" and args.revenue_goal is None and scenario_goal is None:
        raise InputError.single(
            "<cli>", "--revenue-goal",
            "missing; --objective cost needs a monthly revenue goal (or [optimize] revenue_goal)",
        )
    # The total is an estimate (successive halving decides as it goes): the bar follows it.
    with open_executor(args) as executor, Progress(None, args.quiet, desc="optimizing") as tick:
        result = optimize(
            scenario, objective=args.objective, confidence=args.confidence, budget=args.budget,
            revenue_goal=args.revenue_goal, seed=args.seed,
            workers=executor_workers(executor, args.workers), progress=tick,
            verify_reps=args.verify_reps, staffing=not args.no_staffing, executor=executor,
        )
    print(format_result(result, args.out))
    if args.out:
        try:
            written = result.write(args.out, args.scenario)
        except OSError as exc:
            raise InputError.single(args.out, "--out", f"cannot write there ({exc})") from None
        print(f"wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    return EXIT_OK
