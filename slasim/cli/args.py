"""Pieces shared by the ``slasim`` subcommands: argparse types, common options, JSON, progress.

Every command module of :mod:`slasim.cli` (one per command group) builds its options from here,
so that an option such as ``--reps`` parses, validates and explains itself the same way in
every command. A bad value fails inside argparse; the ``slasim`` parser turns that into exit
code 2 and ``error: <cli>: argument --reps: got 0; expected a positive integer``.
:func:`iso_datetime` is the exception: commands call it on the text and it raises
:class:`~slasim.errors.InputError` (same exit code, ``<cli>: --as-of: ...``).

This module is imported when the CLI starts: it must stay light (no pandas, numpy, tqdm at
import time).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from slasim.errors import InputError
from slasim.limits import (
    LEADS_PER_SECOND,
    MAX_LEADS_PER_REP,
    MAX_MONEY,
    MAX_REPS,
    MAX_SIMULATED_LEADS,
    MIN_VERIFY_REPS,
    RECORD_BYTES_PER_LEAD,
)
from slasim.outputs import atomic_write_text

if TYPE_CHECKING:
    from slasim.measure.executors import Executor
    from slasim.scenario.schema import Scenario

__all__ = [
    "Progress",
    "add_executor_args",
    "add_scenario_args",
    "add_simulation_args",
    "amount",
    "check_workload",
    "executor_workers",
    "iso_datetime",
    "open_executor",
    "positive_int",
    "rep_count",
    "seed",
    "share",
    "verify_rep_count",
    "write_json",
]

_T = TypeVar("_T", int, float)


def _checked(
    convert: Callable[[str], _T], valid: Callable[[_T], bool], expected: str, example: str = ""
) -> Callable[[str], _T]:
    """An argparse ``type``: ``convert`` the text, then require ``valid(value)``.

    Both failures name the bad value and what was expected (argparse prefixes the option);
    ``example`` is added only where the value parsed but is out of range.
    """

    def parse(text: str) -> _T:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"got {text!r}; expected {expected}") from None
        if not valid(value):
            raise argparse.ArgumentTypeError(f"got {value}; expected {expected}{example}")
        return value

    return parse


#: argparse type: an integer >= 1 (replications, workers).
positive_int = _checked(int, lambda v: v >= 1, "a positive integer")
#: argparse type: a random seed, an integer >= 0 (what ``numpy.random.SeedSequence`` accepts).
seed = _checked(int, lambda v: v >= 0, "an integer >= 0")
#: argparse type: a share strictly between 0 and 1 (a confidence level); NaN is refused.
share = _checked(float, lambda v: 0 < v < 1, "a share in (0, 1)", ", e.g. 0.8")
#: argparse type: a finite money amount > 0 (a budget, a revenue goal); NaN and inf are refused,
#: and so is anything above ``MAX_MONEY`` (10^12), like the scenario's amounts.
amount = _checked(
    float, lambda v: math.isfinite(v) and 0 < v <= MAX_MONEY, "a finite amount > 0 and <= 1e12"
)
#: argparse type: replications of one command, 1 to ``MAX_REPS`` (100,000 already pin a P(met)
#: to +-0.3 points; more cost hours and gigabytes).
rep_count = _checked(
    int, lambda v: 1 <= v <= MAX_REPS, f"a positive integer up to {MAX_REPS:,}",
    " (more replications only cost time and memory)",
)
#: argparse type: fresh replications verifying an optimizer's winner, ``MIN_VERIFY_REPS`` to
#: ``MAX_REPS`` (the same bounds as ``[optimize] verify_reps``).
verify_rep_count = _checked(
    int, lambda v: MIN_VERIFY_REPS <= v <= MAX_REPS,
    f"a whole number from {MIN_VERIFY_REPS} to {MAX_REPS:,}",
    f" (fewer than {MIN_VERIFY_REPS} fresh months cannot tell 80 % from 90 % met)",
)


def check_workload(
    scenarios: Sequence[Scenario], reps: int, option: str = "--reps", workers: int = 1
) -> None:
    """Refuse, before it starts, a simulation too long to wait for or too big for memory.

    Leads per replication are estimated from the volumes (``sum of tiers.*.monthly_volume``
    scaled to the horizon); a replication holds its leads' records in memory, and every
    replication of every scenario is simulated.

    Parameters
    ----------
    scenarios
        The scenarios the command simulates ``reps`` times each.
    reps
        Replications per scenario.
    option
        The option that set ``reps``, named in the error.
    workers
        Worker processes (they share the time, and each holds one replication).

    Raises
    ------
    InputError
        With the estimate: leads, time at ``LEADS_PER_SECOND`` per worker, or memory; or when
        a scenario has no leads at all (every volume 0 and no trace).
    """
    per_rep = [
        sum(t.monthly_volume for t in s.tiers.values()) * s.horizon.simulated_months
        for s in scenarios
    ]
    for scenario, leads in zip(scenarios, per_rep, strict=True):
        if leads == 0 and scenario.trace is None:
            zeros = ", ".join(f"{name}.monthly_volume(=0)" for name in scenario.tiers)
            raise InputError.single(
                scenario.source_of("tiers.*.monthly_volume"), "tiers.*.monthly_volume",
                f"every tier has no leads ({zeros}); expected monthly_volume > 0 in at least "
                "one tier (nothing to simulate)",
            )
        if leads > MAX_LEADS_PER_REP:
            gigabytes = leads * RECORD_BYTES_PER_LEAD / 1e9
            raise InputError.single(
                scenario.source_of("tiers.*.monthly_volume"), "tiers.*.monthly_volume",
                f"about {leads:,.0f} leads per replication (the volumes over "
                f"{scenario.horizon.days + scenario.horizon.warmup_days} days), about "
                f"{gigabytes:,.0f} GB of records in memory; "
                f"expected at most {MAX_LEADS_PER_REP:,} leads per replication: lower the "
                "volumes, horizon.days or horizon.warmup_days",
            )
    total = sum(per_rep) * reps
    if total > MAX_SIMULATED_LEADS:
        hours = total / LEADS_PER_SECOND / workers / 3600
        raise InputError.single(
            "<cli>", option,
            f"got {reps:,}: about {total:,.0f} simulated leads ({len(scenarios)} scenario(s) of "
            f"about {sum(per_rep) / len(per_rep):,.0f} leads, {reps:,} times each), about "
            f"{hours:,.1f} h with {workers} worker(s) at ~{LEADS_PER_SECOND:,} leads/s each; "
            f"expected at most {MAX_SIMULATED_LEADS:,} leads in one command: lower {option}",
        )


def iso_datetime(text: str | None, option: str = "--as-of") -> datetime | None:
    """Read an ISO-8601 date or time, e.g. ``2026-05-01`` or ``2026-05-01T08:00+02:00``.

    Called by the command on the option's text, not as an argparse ``type``: a command may be
    registered on a plain argparse parser (as tests of ``register`` do), where a type error
    would exit inside ``parse_args`` instead of raising. A value without offset stays naive:
    the command reads it in its scenario's time zone.

    Parameters
    ----------
    text
        The option's value; None (option not given) gives None.
    option
        The option named in the error.

    Raises
    ------
    InputError
        ``<cli>: --as-of: got 'May 1st'; expected ISO-8601, e.g. 2026-05-01`` (exit 2).
    """
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InputError.single(
            "<cli>", option, f"got {text!r}; expected ISO-8601, e.g. 2026-05-01"
        ) from None


def add_scenario_args(
    p: argparse.ArgumentParser, what: str = "scenario TOML file", *, several: bool = False
) -> None:
    """Add the scenario positional (``args.scenario``) and ``--set`` (``args.overrides``).

    Parameters
    ----------
    p
        The subcommand's parser.
    what
        Help of the positional: what the scenario file is to this command.
    several
        Accept one or more scenario files (``args.scenario`` is then a list).
    """
    p.add_argument("scenario", nargs="+" if several else None, help=what)
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a scenario value (in every scenario given), e.g. "
        "--set team.shifts[0].sellers=8 (repeatable)",
    )


def add_simulation_args(
    p: argparse.ArgumentParser, default_reps: int | None, reps_help: str = "replications"
) -> None:
    """Add ``--reps`` (unless ``default_reps`` is None), ``--seed``, ``--workers``, ``--quiet``.

    Parameters
    ----------
    p
        The subcommand's parser.
    default_reps
        Default of ``--reps``; None for a command that sets its replications otherwise.
    reps_help
        What one replication is to this command (the help adds the default).
    """
    if default_reps is not None:
        p.add_argument(
            "--reps",
            type=rep_count,
            default=default_reps,
            help=f"{reps_help} (default {default_reps})",
        )
    p.add_argument("--seed", type=seed, default=0, help="root random seed (default 0)")
    p.add_argument("--workers", type=positive_int, default=1, help="worker processes (default 1)")
    p.add_argument("--quiet", action="store_true", help="no progress output")


def add_executor_args(p: argparse.ArgumentParser) -> None:
    """Add ``--executor {local,dask}`` and ``--scheduler ADDRESS`` (see :func:`open_executor`)."""
    p.add_argument(
        "--executor", choices=["local", "dask"], default=None,
        help="where replications run: local worker processes (default), or a Dask cluster "
             "(pip install 'slasim[dask]'); results are the same",
    )
    p.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="the Dask scheduler to use, e.g. tcp://host:8786 (implies --executor dask; "
             "without it, --executor dask starts a local cluster of --workers processes)",
    )


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def cap_workers(args: argparse.Namespace) -> None:
    """Lower ``--workers`` to :func:`usable_cpus` (at least 2) for processes started on this
    machine, with a notice.

    Replications are CPU-bound: more processes than CPUs only share them, and each costs a
    start-up (``--executor dask --workers 64`` on 2 CPUs took 141 s for a tiny run). Results
    do not depend on the number of workers, so the cap changes nothing but the time. Workers
    of a remote ``--scheduler`` are the cluster's own: nothing is started here, nothing capped.
    """
    workers = getattr(args, "workers", None)
    if workers is None or getattr(args, "scheduler", None) is not None:
        return
    cpus = usable_cpus()
    # Never below 2: two processes on one CPU cost little, and a command (or a test, a
    # documented transcript) asking for 2 behaves the same on every machine.
    cap = max(2, cpus)
    if workers > cap:
        unit = "CPU" if cpus == 1 else "CPUs"
        print(f"slasim: --workers {workers} is more than the {cpus} {unit} this machine gives "
              f"the command; running {cap} (the results are the same)", file=sys.stderr)
        args.workers = cap


def executor_workers(executor: Executor | None, workers: int) -> int:
    """The parallelism to cut tasks for: a cluster's worker threads, else ``--workers``."""
    return int(getattr(executor, "workers", workers))


@contextmanager
def open_executor(args: argparse.Namespace) -> Iterator[Executor | None]:
    """The executor ``--executor``/``--scheduler`` ask for, open for the whole command.

    Yields None for the local default (the command runs ``--workers`` processes itself), else
    a :class:`slasim.measure.dask_executor.DaskExecutor`, closed when the command ends.

    Raises
    ------
    InputError
        ``--scheduler`` with ``--executor local``; Dask not installed; scheduler unreachable.
    """
    executor = getattr(args, "executor", None)
    scheduler = getattr(args, "scheduler", None)
    if scheduler is not None and executor == "local":
        raise InputError.single(
            "<cli>", "--scheduler", f"got {scheduler!r} with --executor local; expected "
            "--executor dask (or no --executor) to use a Dask scheduler",
        )
    if executor != "dask" and scheduler is None:
        yield None
        return
    from slasim.measure.dask_executor import DaskExecutor

    dask = DaskExecutor.connect(scheduler, workers=getattr(args, "workers", 1))
    try:
        yield dask
    finally:
        dask.shutdown()


def write_json(payload: object, target: str) -> None:
    """Write ``payload`` as indented JSON to the file ``target``, or to stdout for ``-``.

    The file is written atomically (:func:`slasim.outputs.atomic_write_text`): a failed write
    leaves the old file as it was.

    Raises
    ------
    InputError
        When the file cannot be written (``--json`` names a bad place).
    """
    # allow_nan=False: NaN is not JSON; a NaN reaching here is a bug and must fail loudly.
    text = json.dumps(payload, indent=2, sort_keys=False, allow_nan=False, default=str)
    if target == "-":
        print(text)
        return
    try:
        atomic_write_text(target, text + "\n")
    except OSError as exc:
        raise InputError.single(target, "--json", f"cannot write the file ({exc})") from None


class Progress:
    """A tqdm bar on stderr while replications run (silent when stderr is not a terminal).

    Used as ``with Progress(total, quiet) as tick: simulate(..., progress=tick)``. ``tick``
    takes ``(done, total)`` as :func:`slasim.measure.experiment.simulate` reports it.

    Parameters
    ----------
    total
        Replications of the whole command. Several runs may report through one bar (compare:
        one per option; track: one per month): each restarts its count and the bar keeps a
        running sum. None: the bar follows the ``total`` each call reports (a plan that
        changes as it goes, like the optimizer's successive halving).
    quiet
        No bar at all.
    desc
        Label in front of the bar.
    """

    def __init__(self, total: int | None, quiet: bool, desc: str = "simulating") -> None:
        from tqdm import tqdm

        self._follow = total is None
        self._bar = tqdm(
            total=total,
            unit="rep",
            desc=desc,
            disable=True if quiet else None,  # None: off when stderr is not a terminal
            file=sys.stderr,
            leave=False,
        )
        self._done = 0
        self._offset = 0

    def __enter__(self) -> Callable[[int, int], None]:
        def tick(done: int, total: int) -> None:
            if self._follow:
                self._bar.total = total
            elif done <= self._done:
                # Within a run ``done`` only grows: a count that does not is the next run.
                self._offset += self._done
            self._done = done
            self._bar.n = done if self._follow else self._offset + done
            self._bar.refresh()

        return tick

    def __exit__(self, *exc: object) -> None:
        self._bar.close()

    @property
    def done(self) -> int:
        """Replications counted so far, over every run reported through this bar."""
        return int(self._bar.n)
