"""The hiring plan as a decision: which cohort to hire, and when (``optimize --hire-options``).

Each option adds one cohort to ``team.hires`` ("hire 2 on 1 Feb", "hire 3 on 1 Mar"); the
scenario as it is (no new hire) is always the first option. Every option is simulated on the
same months (the same seed: common random numbers, so the options differ only by the hire),
judged by the one verdict (:attr:`slasim.measure.experiment.SimulationResult.verdict`: month by
month
for a quarter), and the cheapest realistic option (mean cost over the period: sellers, each
hire paid from its start, and leads) is proposed. The proposal is then verified on fresh
months (root seed ``seed + 1``): ``verified`` is the verdict ``slasim report proposal.toml
--reps R --seed S+1`` gives, the same simulation. If it does not hold there, the next
cheapest realistic option is verified, and so on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from slasim.errors import InputError
from slasim.seeding import Seed, root_seed

if TYPE_CHECKING:
    import pandas as pd

    from slasim.measure.executors import Executor
    from slasim.measure.experiment import SimulationResult
    from slasim.scenario.schema import Scenario

__all__ = [
    "HIRE_FILES",
    "HireDecision",
    "HireOption",
    "decide_hires",
    "format_decision",
    "parse_hire_options",
    "proposal_toml",
    "report_command",
    "with_hire",
    "write_decision",
]

_OPTION = re.compile(r"\s*([0-9]+)\s*@\s*([0-9]{4}-[0-9]{2}-[0-9]{2})\s*(?::\s*(\S+?))?\s*")
#: Root-seed offset of the verification months (fresh: not the months the options were
#: compared on).
VERIFY_SEED_OFFSET = 1


@dataclass(frozen=True)
class HireOption:
    """Hire ``sellers`` on ``shift`` from ``start`` (one ``[[team.hires]]`` cohort)."""

    sellers: int
    start: date
    shift: str

    @property
    def label(self) -> str:
        """``"hire 2 on 2027-02-01 (office)"``."""
        return f"hire {self.sellers} on {self.start.isoformat()} ({self.shift})"


def parse_hire_options(text: str, scenario: Scenario) -> tuple[HireOption, ...]:
    """``"2@2027-02-01,3@2027-03-01:late"`` -> options (shift: the first one when omitted).

    Raises :class:`~slasim.errors.InputError` (exit 2) naming the bad item.
    """
    shifts = [s.name or f"shift{j}" for j, s in enumerate(scenario.team.shifts)]
    out = []
    for item in text.split(","):
        match = _OPTION.fullmatch(item)
        if match is None:
            raise InputError.single(
                "<cli>", "--hire-options",
                f"got {item.strip()!r}; expected SELLERS@YYYY-MM-DD or SELLERS@YYYY-MM-DD:SHIFT, "
                "comma-separated (e.g. 2@2027-02-01,3@2027-03-01)",
            )
        sellers, day, shift = int(match[1]), match[2], match[3]
        try:
            start = date.fromisoformat(day)
        except ValueError:
            raise InputError.single("<cli>", "--hire-options",
                                    f"got {day!r} in {item.strip()!r}; expected a real date",
                                    ) from None
        if not shifts:
            raise InputError.single("<cli>", "--hire-options",
                                    "the scenario has no team.shifts for a hire to work "
                                    "(a roster lists its sellers itself)")
        if shift is not None and shift not in shifts:
            raise InputError.single("<cli>", "--hire-options",
                                    f"got shift {shift!r} in {item.strip()!r}; expected one of "
                                    f"{shifts}")
        out.append(HireOption(sellers, start, shift or shifts[0]))
    if len(set(out)) != len(out):
        raise InputError.single("<cli>", "--hire-options", f"got {text!r}; an option is repeated")
    return tuple(out)


def with_hire(scenario: Scenario, option: HireOption | None) -> Scenario:
    """``scenario`` with ``option``'s cohort appended to ``team.hires`` (validated: a start
    outside the horizon or too many sellers is an :class:`InputError`)."""
    if option is None:
        return scenario
    from slasim.scenario.load import scenario_from_dict

    data = scenario.model_dump(mode="python", exclude_none=True)
    team = data["team"]
    team["hires"] = [*team.get("hires", []), {"shift": option.shift, "start": option.start,
                                              "sellers": option.sellers}]
    data["name"] = f"{scenario.name} + {option.label}"
    return scenario_from_dict(data, f"--hire-options {option.sellers}@{option.start}")


@dataclass(frozen=True)
class HireDecision:
    """The options compared, the one proposed and its verification.

    Attributes
    ----------
    scenario
        The scenario as given.
    options
        ``None`` (no new hire) then each option, in the order given.
    results
        Each option on the same ``reps`` months (root seed ``seed``).
    chosen
        Index into ``options`` of the proposal, or None when no option is realistic there (or
        none held on fresh months).
    verification
        The proposal on ``reps`` fresh months (root seed ``verify_seed``), or None.
    tried
        Options verified before the proposal and not realistic on the fresh months.
    """

    scenario: Scenario
    options: tuple[HireOption | None, ...]
    results: tuple[SimulationResult, ...]
    seed: int
    reps: int
    chosen: int | None
    verification: SimulationResult | None
    tried: tuple[int, ...] = ()

    @property
    def verify_seed(self) -> int:
        return self.seed + VERIFY_SEED_OFFSET

    @property
    def proposal(self) -> Scenario | None:
        """The scenario with the chosen hire (None without a proposal)."""
        if self.chosen is None:
            return None
        return self.results[self.chosen].scenario

    @property
    def verified(self) -> bool:
        """The proposal is realistic on the fresh months (what the report will say)."""
        return self.verification is not None and self.verification.verdict.realistic

    def label(self, i: int) -> str:
        option = self.options[i]
        return "no new hire" if option is None else option.label

    def table(self) -> pd.DataFrame:
        """One row per option: mean cost, P(both sides keep every term in every month), each
        month's verdict, realistic."""
        import pandas as pd

        rows = []
        for i, result in enumerate(self.results):
            v = result.verdict
            row: dict[str, object] = {
                "option": self.label(i),
                "cost": float(result.metric("cost").mean()),
                "p_joint_every_month": v.p["joint"],
            }
            for m in v.months:
                row[m.key] = "ok" if m.verdict.realistic else "no"
            row["realistic"] = v.realistic
            row["proposed"] = i == self.chosen
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, object]:
        """``result.json`` of a hiring decision."""
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "reps": self.reps,
            "verify_seed": self.verify_seed,
            "options": [
                {"option": self.label(i), "cost": _finite(float(r.metric("cost").mean())),
                 "verdict": r.verdict.to_dict()}
                for i, r in enumerate(self.results)
            ],
            "proposed": None if self.chosen is None else self.label(self.chosen),
            "verified": self.verified,
            "verification": (None if self.verification is None
                             else self.verification.verdict.to_dict()),
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def decide_hires(
    scenario: Scenario,
    options: Sequence[HireOption],
    *,
    reps: int,
    seed: Seed = 0,
    workers: int = 1,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> HireDecision:
    """Compare ``options`` (and no new hire) on the same months; propose the cheapest
    realistic one that stays realistic on fresh months (see the module docstring)."""
    seed = root_seed(seed)  # once: every simulation below runs on the same months
    from slasim.measure.experiment import simulate, simulate_each

    choices: tuple[HireOption | None, ...] = (None, *options)
    scenarios = [with_hire(scenario, o) for o in choices]
    results = tuple(simulate_each(scenarios, reps, seed, workers, executor=executor,
                                  progress=progress))
    # Cheapest first; equal cost: the likelier to keep every month, then the order given.
    ranked = sorted(
        (i for i, r in enumerate(results) if r.verdict.realistic),
        key=lambda i: (float(results[i].metric("cost").mean()), -results[i].verdict.p["joint"],
                       i),
    )
    tried: list[int] = []
    for i in ranked:
        fresh = simulate(scenarios[i], reps, seed + VERIFY_SEED_OFFSET, workers,
                         executor=executor)
        if fresh.verdict.realistic:
            return HireDecision(scenario, choices, results, seed, reps, i, fresh, tuple(tried))
        tried.append(i)
    return HireDecision(scenario, choices, results, seed, reps, None, None, tuple(tried))


def format_decision(decision: HireDecision, out_dir: str | None = None) -> str:
    """The terminal report of a hiring decision."""
    from slasim.render.text import format_table

    s = decision.scenario
    unit = s.costs.currency
    lines = [
        f"slasim optimize {s.name!r} --hire-options: {len(decision.options)} options (with no "
        f"new hire) on the same {decision.reps} simulated periods (seed {decision.seed}); "
        "realistic = every month reaches the confidence",
        format_table(decision.table().set_index("option"),
                     {"cost": "{:,.0f}", "p_joint_every_month": "{:.0%}"}),
        f"cost: mean over the period in {unit} (sellers, each hire paid from its start, and "
        "leads); p_joint_every_month: both sides keep every term in every month",
        "",
    ]
    for i in decision.tried:
        lines.append(f"{decision.label(i)}: not realistic on the {decision.reps} fresh periods "
                     f"(seed {decision.verify_seed}); the next cheapest was verified")
    if decision.chosen is None or decision.verification is None:
        lines.append("NO PROPOSAL: no option keeps every month realistic"
                     + (" on fresh periods" if decision.tried else "")
                     + "; try larger cohorts, earlier starts or other terms.")
        return "\n".join(lines)
    lines += [
        f"proposal: {decision.label(decision.chosen)} (the cheapest realistic option)",
        f"verified on {decision.reps} fresh periods (seed {decision.verify_seed}): "
        + decision.verification.verdict.sentence(),
    ]
    if out_dir:
        lines.append(f"Next: {report_command(decision, out_dir)} writes the agreement for "
                     "this proposal on the same fresh periods (the same verdict).")
    return "\n".join(lines)


def report_command(decision: HireDecision, out_dir: str) -> str:
    """The ``slasim report`` call that reproduces the verification."""
    from pathlib import Path

    folder = Path(out_dir)
    return (f"slasim report {(folder / 'proposal.toml').as_posix()} --reps {decision.reps} "
            f"--seed {decision.verify_seed} --out {(folder.parent / 'report.html').as_posix()}")


def proposal_toml(decision: HireDecision, extends: str) -> str:
    """proposal.toml: extends the scenario, repeats its ``--set`` values and lists every
    ``[[team.hires]]`` cohort of the proposal (the list replaces the extended file's)."""
    from slasim.optimizer.result import _set_values
    from slasim.scenario.toml_write import toml_key, toml_table, toml_value

    proposal = decision.proposal
    assert proposal is not None and decision.verification is not None
    s = decision.scenario
    lines = [
        f"# slasim optimize --hire-options proposal for {s.name!r}: "
        f"{decision.label(decision.chosen or 0)}, the cheapest of {len(decision.options)} "
        f"options realistic in every month on {decision.reps} periods (seed {decision.seed}).",
        f"# Verified on {decision.reps} fresh periods (seed {decision.verify_seed}): "
        f"{decision.verification.verdict.sentence()}",
        "",
        f"name = {toml_value(s.name + '-proposal')}",
        f"extends = {toml_value(extends)}",
    ]
    tables: dict[tuple[str, ...], list[str]] = {}
    for table, key, value in _set_values(s):
        if table == ("team",) and key == "hires":
            continue  # written below, the proposal's
        line = f"{toml_key(key)} = {toml_value(value)}    # --set"
        if table:
            tables.setdefault(table, []).append(line)
        else:
            lines.append(line)
    for table, entries in tables.items():
        lines += ["", toml_table(table), *entries]
    for hire in proposal.team.hires:
        lines += ["", "[[team.hires]]",
                  *(f"{toml_key(k)} = {toml_value(v)}"
                    for k, v in hire.model_dump(mode="python").items())]
    if not proposal.team.hires:
        lines += ["", "# no new hire: the team as it is keeps every month realistic"]
    return "\n".join(lines) + "\n"


#: The files ``--out DIR`` receives for a hiring decision.
HIRE_FILES = ("proposal.toml", "hire_options.csv", "result.json")


def write_decision(decision: HireDecision, out_dir: str, scenario_path: str) -> list[str]:
    """Write proposal.toml (with a proposal), hire_options.csv and result.json, atomically.

    Without a proposal, an earlier run's ``proposal.toml`` in ``out_dir`` is renamed
    ``proposal.toml.previous``, as :meth:`slasim.optimizer.result.OptimizeResult.write` does.
    """
    import json
    import os
    from pathlib import Path

    from slasim.optimizer.result import set_aside_proposal
    from slasim.outputs import atomic_write_text, write_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if decision.proposal is not None:
        extends = Path(os.path.relpath(Path(scenario_path).resolve(), out.resolve())).as_posix()
        atomic_write_text(out / "proposal.toml", proposal_toml(decision, extends))
        written.append(str(out / "proposal.toml"))
    elif (previous := set_aside_proposal(out, scenario_path)) is not None:
        written.append(str(previous))
    write_csv(decision.table(), out / "hire_options.csv", float_format="%.10g",
              lineterminator="\n")
    written.append(str(out / "hire_options.csv"))
    atomic_write_text(out / "result.json",
                      json.dumps(decision.to_dict(), indent=2, allow_nan=False) + "\n")
    written.append(str(out / "result.json"))
    return written
