"""Every terminal transcript shown in the README and the docs, produced by running it.

A transcript is a list of ``slasim`` command lines (or ``cat FILE`` to show a file they wrote)
run in a scratch folder that holds copies of ``scenarios/`` and ``tests/data/crm/`` (the paths
the pages show). Its text lives in
``docs/transcripts/NAME.txt``: ``$ COMMAND`` lines, each followed by what the command printed
(stdout and stderr). Pages include the file (``--8<-- "transcripts/NAME.txt"``), so what they
show is that file; ``tests/test_docs_transcripts.py`` runs every transcript again and compares
it with the file: the text must be the same, numbers may differ by the rounding a different CPU
can cause (see :func:`same_text`).

``python docs/scripts/transcripts.py [NAME ...]`` rewrites the files after a deliberate change
of the output.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "docs" / "transcripts"

__all__ = ["FOLDER", "TRANSCRIPTS", "Transcript", "check_files_exist", "render", "run", "same_text"]


@dataclass(frozen=True)
class Transcript:
    """One transcript: its file name, the commands it runs and which lines a page shows.

    ``keep``: when given, only output lines matching one of these regular expressions are
    shown, and every run of left-out lines becomes one ``...`` line (command lines are always
    shown). ``slow``: checked by ``make test-slow`` only (the optimizer takes minutes).
    """

    name: str
    commands: tuple[str, ...]
    keep: tuple[str, ...] = ()
    start: str = ""
    head: int = 0
    slow: bool = False
    setup: tuple[str, ...] = field(default=())  # commands run first, not shown


TRANSCRIPTS: tuple[Transcript, ...] = (
    Transcript(
        "readme-run",
        ("slasim run scenarios/baseline.toml --reps 100 --workers 2 --quiet",),
        keep=(r"^scenario ", r"^SLA attainment", r"^P\(term met\)", r"^ +all +hot warm",
              r"^(marketing|response|attempts|conversion|sales|joint) +\d+%", r"^Not realistic",
              r"^Realistic"),
    ),
    Transcript(
        "run-baseline", ("slasim run scenarios/baseline.toml --reps 200 --workers 2 --quiet",)
    ),
    Transcript(
        "run-json",
        ("slasim run scenarios/baseline.toml --reps 30 --quiet --json -",),
        start=r"^\{",
        head=11,
        keep=(r'^  "\w+"', r'^    "(p_met_\w+|realistic|confidence|confidence_level)"',
              r'^    "hot"', r"^}"),
    ),
    Transcript(
        "run-paired",
        ("slasim run scenarios/baseline.toml scenarios/option-fast-response.toml --reps 100 "
         "--workers 2 --quiet",),
        start=r"^Paired differences",
    ),
    Transcript(
        "input-errors",
        ("slasim check scenarios/baseline.toml --set routing.policy=lifo",
         "slasim check scenarios/baseline.toml --set team.shrinkge=0.2",
         "slasim check scenarios/baseline.toml --set 'team.shifts[0].start=\"25:00\"'"),
    ),
    Transcript("check-baseline", ("slasim check scenarios/baseline.toml",)),
    Transcript(
        "check-roster",
        ("slasim check scenarios/baseline.toml --set 'team.roster=\"scenarios/roster-april.csv\"' "
         "--set team.breaks.every_minutes=120 --set team.breaks.minutes=15 "
         "--set team.breaks.stagger_minutes=10 --set team.shrinkage=0.05 --no-simulate",),
        keep=(r"^scenario ", r"^roster ", r"^Shifts", r"^ +sellers", r"^shift ", r"^roster +\d",
              r"^overall"),
    ),
    Transcript("plan-queueing", ("slasim plan scenarios/baseline.toml --reps 0",)),
    Transcript(
        "plan-baseline",
        ("slasim plan scenarios/baseline.toml --reps 40 --workers 2 --quiet",),
        keep=(r"^Fewest sellers", r"^  \S"),
        slow=True,
    ),
    Transcript(
        "plan-revenue-goal",
        ("slasim plan scenarios/baseline.toml --revenue-goal 1000000 --routing fifo --reps 40 "
         "--workers 2 --quiet",),
        start=r"^Reverse funnel",
    ),
    Transcript(
        "plan-goal-unreachable",
        ("slasim plan scenarios/baseline.toml --revenue-goal 3000000 --routing fifo --reps 40 "
         "--workers 2 --quiet",),
        keep=(r"^At these quotas", r"^No quotas"),
        slow=True,
    ),
    Transcript(
        "compare-options",
        ("slasim compare scenarios/baseline.toml scenarios/option-fast-response.toml "
         "scenarios/option-higher-quota.toml --reps 100 --workers 2 --quiet",),
    ),
    Transcript(
        "run-erlang-a",
        ("slasim run scenarios/textbook-erlang-a.toml --reps 20 --workers 2 --quiet",),
        keep=(r"^scenario ", r"^leads_created ", r"^leads_abandoned ", r"^seller_utilization ",
              r"^Queue per", r"^(wait_\w+|abandon\w+|answered_within_target_wall) "),
    ),
    Transcript("crm-check-malformed", ("slasim crm-check tests/data/crm/malformed.csv",)),
    Transcript(
        "calibrate-calls",
        ("slasim calibrate tests/data/crm/calls.csv --base scenarios/baseline.toml "
         "--out calibrated.toml",),
        keep=(r"^tests/data", r"^  lines", r"^parameter", r"^monthly_volume", r"^abandonment",
              r"^patience", r"^handling", r"^wrapup", r"^roster", r"^fit: (patience|talk|wrap)",
              r"^wrote"),
    ),
    Transcript(
        "track-month",
        ("slasim run scenarios/baseline.toml --reps 1 --seed 21 --quiet --export-leads leads.csv",
         "slasim track leads.csv --agreement scenarios/baseline.toml "
         "--as-of 2026-05-01T00:00+02:00 --reps 100 --workers 2 --quiet --out track/"),
    ),
    Transcript(
        "track-bad-period",
        ("slasim track leads.csv --agreement scenarios/baseline.toml --period 2026-13",),
        setup=("slasim run scenarios/baseline.toml --reps 1 --seed 21 --quiet "
               "--export-leads leads.csv",),
    ),
    Transcript(
        "track-partial",
        ("slasim track leads.csv --agreement scenarios/baseline.toml "
         "--as-of 2026-04-16T00:00+02:00 --reps 30 --workers 2 --quiet",),
        keep=(r"PARTIAL",),
        setup=("slasim run scenarios/baseline.toml --reps 1 --seed 21 --quiet "
               "--export-leads leads.csv",),
    ),
    Transcript(
        "optimize-baseline",
        ("slasim optimize scenarios/baseline.toml --workers 2 --quiet --out build/optimize",),
        slow=True,
    ),
    Transcript(
        "optimize-proposal",
        ("cat build/optimize/proposal.toml",),
        setup=("slasim optimize scenarios/baseline.toml --workers 2 --quiet --out build/optimize",),
        slow=True,
    ),
    Transcript(
        "optimize-budget",
        ("slasim optimize scenarios/baseline.toml --workers 2 --quiet --budget 1300000",),
        keep=(r"^cost per month", r"^status"),
        slow=True,
    ),
    Transcript(
        "run-quarter",
        ("slasim run scenarios/quarter.toml --reps 100 --workers 2 --quiet",),
        start=r"^P\(term met\) per month",
    ),
    Transcript(
        "optimize-hires",
        ("slasim optimize scenarios/quarter.toml --set 'team.hires=[]' --hire-options "
         "1@2027-01-01,2@2027-01-01,2@2027-02-01,3@2027-02-01 --verify-reps 100 --workers 2 "
         "--quiet --out build/hires",),
        slow=True,
    ),
    Transcript(
        "optimize-bound",
        ("slasim optimize scenarios/baseline.toml --workers 2 --quiet "
         "--set 'optimize.tiers.hot.volume=[100, 200]'",),
        slow=True,
    ),
)


def _scratch() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="slasim-transcript-"))
    shutil.copytree(ROOT / "scenarios", folder / "scenarios")
    shutil.copytree(ROOT / "tests" / "data" / "crm", folder / "tests" / "data" / "crm")
    (folder / "build").mkdir()
    return folder


def _slasim(command: str, cwd: Path) -> str:
    argv = shlex.split(command)
    if argv[0] == "cat":  # show a file a command wrote
        return (cwd / argv[1]).read_text(encoding="utf-8")
    assert argv[0] == "slasim", command
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("SLASIM_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-m", "slasim", *argv[1:]], cwd=cwd, env=env, check=False,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1800,
    )
    return done.stdout


def _shown(output: str, keep: Sequence[str], start: str = "", head: int = 0) -> list[str]:
    lines = output.rstrip("\n").splitlines()
    if start:
        first = next((i for i, line in enumerate(lines) if re.search(start, line)), 0)
        lines = (["..."] if first else []) + lines[first:]
    if not keep:
        return lines
    patterns = [re.compile(k) for k in keep]
    first = 1 if lines[:1] == ["..."] else 0
    shown: list[str] = lines[: first + head]
    for line in lines[first + head :]:
        if line == "..." or any(p.search(line) for p in patterns):
            shown.append(line)
        elif not shown or shown[-1] != "...":
            shown.append("...")
    return shown


def run(transcript: Transcript) -> str:
    """Run ``transcript`` in a fresh scratch folder; return its text as a page shows it."""
    folder = _scratch()
    try:
        for command in transcript.setup:
            _slasim(command, folder)
        parts: list[str] = []
        for command in transcript.commands:
            parts.append(f"$ {command}")
            parts.extend(_shown(_slasim(command, folder), transcript.keep, transcript.start,
                                transcript.head))
        return "\n".join(line.rstrip() for line in parts) + "\n"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def render(name: str) -> str:
    """The stored text of transcript ``name``."""
    return (FOLDER / f"{name}.txt").read_text(encoding="utf-8")


def check_files_exist() -> None:
    """Fail the docs build when a registered transcript has no file."""
    missing = [t.name for t in TRANSCRIPTS if not (FOLDER / f"{t.name}.txt").exists()]
    if missing:
        raise SystemExit(
            f"docs/transcripts: no file for {missing}; run docs/scripts/transcripts.py"
        )


# --- comparison -----------------------------------------------------------------------------

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
#: Wall-clock durations ("in 137.8 s", "1.2 s") differ from run to run: not compared.
_SECONDS = re.compile(r"\b\d[\d,]*(?:\.\d+)? s\b")


def _split(line: str) -> tuple[str, list[tuple[float, float]]]:
    line = _SECONDS.sub("<seconds> s", line)
    numbers = []
    for m in _NUMBER.finditer(line):
        text = m.group().replace(",", "")
        decimals = len(text.split(".")[1]) if "." in text else 0
        numbers.append((float(text), 10.0 ** -decimals))
    skeleton = " ".join(_NUMBER.sub("#", line).split())
    return skeleton, numbers


def _close(expected: tuple[float, float], actual: float, rel: float) -> bool:
    value, unit = expected
    # 1.5 units of the last printed digit (a rounding boundary crossed the other way, plus one
    # more count in a share of months) or `rel` of the value, whichever is larger.
    return abs(value - actual) <= max(1.5 * unit, rel * max(abs(value), abs(actual)))


def same_text(expected: str, actual: str, rel: float = 0.03) -> list[str]:
    """The differences between a stored transcript and a new run (empty: the same).

    Lines are compared in order after collapsing runs of spaces (a wider number moves a
    column). Words must be equal; numbers may differ by ``rel`` of their value or 1.5 units
    of their last printed digit, what a different CPU's float rounding can move in a
    simulated month; durations in seconds are not compared. A ``...`` line in ``expected``
    stands for any number of lines.
    """
    exp, act = expected.rstrip("\n").splitlines(), actual.rstrip("\n").splitlines()
    problems: list[str] = []
    j = 0
    for i, line in enumerate(exp):
        if line == "...":
            continue
        skeleton, numbers = _split(line)
        elided = i > 0 and exp[i - 1] == "..."
        while j < len(act):
            a_skeleton, a_numbers = _split(act[j])
            if a_skeleton == skeleton and len(a_numbers) == len(numbers):
                break
            if not elided:
                break
            j += 1
        if j >= len(act):
            problems.append(f"line {i + 1}: missing: {line!r}")
            break
        a_skeleton, a_numbers = _split(act[j])
        if a_skeleton != skeleton or len(a_numbers) != len(numbers):
            problems.append(f"line {i + 1}: expected {line!r}, got {act[j]!r}")
        else:
            for n, (e, a) in enumerate(zip(numbers, a_numbers, strict=True)):
                if not _close(e, a[0], rel):
                    problems.append(f"line {i + 1}: number {n + 1}: expected {e[0]:g}, got "
                                    f"{a[0]:g}: {act[j]!r}")
        j += 1
    if not problems and j < len(act) and exp and exp[-1] != "...":
        problems.append(f"unexpected extra lines from {j + 1}: {act[j]!r}")
    return problems


def main(names: Sequence[str]) -> int:
    FOLDER.mkdir(parents=True, exist_ok=True)
    chosen = [t for t in TRANSCRIPTS if not names or t.name in names]
    for t in chosen:
        print(f"running {t.name} ...", flush=True)
        (FOLDER / f"{t.name}.txt").write_text(run(t), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
