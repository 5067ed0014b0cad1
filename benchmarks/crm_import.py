"""Peak memory and time of a large CRM import, side by side with a plain ``pandas.read_csv``.

Run: ``.venv/bin/python benchmarks/crm_import.py [--rows N]`` (default 1,000,000 rows). The
export is written to a temporary folder in the format of :func:`slasim.crm.io.export.export_leads`
(the columns, ISO-8601 timestamps with the Europe/Stockholm offset, true/false flags, the
engine's statuses), with consistent lead histories so that every row is used. Rows are written
directly with numpy rather than simulated: a million leads is ~50 simulated years of the
baseline scenario.

Each reader runs in a fresh subprocess (so that one's memory cannot hide in the other's):
the peak resident set size above the process's baseline after imports (Linux ``VmHWM``), wall
seconds, and both as ratios to the file size and to the peer, measured in the same run.
Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from slasim.render.text import format_table

TIMEZONE = "Europe/Stockholm"
TIERS = ("hot", "warm", "cold")
COLUMNS = [
    "lead_id", "created_at", "tier", "owner", "first_attempt_at", "attempts", "contacted_at",
    "qualified", "qualified_at", "opportunity", "won_at", "lost_at", "deal_value", "status",
]
_STAMP_COLUMNS = ("created_at", "first_attempt_at", "contacted_at", "qualified_at", "won_at",
                  "lost_at")

# Child program: import everything, reset the high-water mark of the resident set, read,
# report the new high-water mark above the resident set before reading. Linux's VmHWM belongs
# to the process image (ru_maxrss would inherit the parent's peak across fork + exec).
_CHILD = """
import json, resource, sys, time
import pandas as pd
from slasim.crm.io.importer import read_crm

def status(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

path, what = sys.argv[1], sys.argv[2]
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current resident set
except OSError:
    pass
before = status("VmRSS")
start = time.perf_counter()
if what == "slasim":
    crm = read_crm(path, timezone="Europe/Stockholm", tiers=["hot", "warm", "cold"])
    rows, used = crm.summary.rows_read, crm.summary.rows_used
else:
    frame = pd.read_csv(path)
    rows = used = len(frame)
seconds = time.perf_counter() - start
print(json.dumps({"rows": rows, "used": used, "seconds": seconds,
                  "peak_mb": (status("VmHWM") - before) / 1e6}))
"""


def _stamps(minutes: np.ndarray) -> np.ndarray:
    """ISO-8601 local stamps with offset (``2026-04-01T09:30:00+02:00``); "" for NaN."""
    seconds = np.round(np.nan_to_num(minutes) * 60.0).astype("int64")
    utc = pd.DatetimeIndex(pd.to_datetime(seconds, unit="s", utc=True))
    local = utc.tz_convert(TIMEZONE)
    wall = local.tz_localize(None)
    offset = np.asarray((wall - utc.tz_localize(None)).total_seconds() // 60, dtype=np.int64)
    # Few distinct offsets: format each once.
    shown = {int(m): f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"
             for m in np.unique(offset)}
    off = np.array([shown[int(m)] for m in np.unique(offset)])[
        np.searchsorted(np.unique(offset), offset)
    ]
    text = np.char.add(np.datetime_as_string(wall.to_numpy(), unit="s"), off)
    return np.where(np.isnan(minutes), "", text)


def write_export(path: Path, rows: int, seed: int = 0) -> None:
    """Write ``rows`` consistent leads over one year to ``path`` (CRM export format)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-01", tz="UTC").timestamp() / 60.0
    created = np.sort(start + rng.uniform(0, 365 * 1440, rows))
    tier = rng.choice(len(TIERS), rows, p=[0.1, 0.35, 0.55])
    attempted = rng.random(rows) < 0.95
    first = np.where(attempted, created + rng.exponential(90.0, rows), np.nan)
    attempts = np.where(attempted, rng.integers(1, 7, rows), 0)
    contacted = np.where(attempted & (rng.random(rows) < 0.6),
                         first + rng.exponential(600.0, rows), np.nan)
    qualified = ~np.isnan(contacted) & (rng.random(rows) < 0.3)
    opportunity = qualified & (rng.random(rows) < 0.5)
    closed = contacted + rng.exponential(30 * 1440.0, rows)
    outcome = rng.random(rows)
    won = opportunity & (outcome < 0.3)
    lost = (~np.isnan(contacted) & ~won & (outcome > 0.6))
    value = np.where(won | (opportunity & ~lost), rng.lognormal(10.0, 0.8, rows), 0.0)
    state = np.where(won, "won", np.where(lost, "lost", np.where(
        opportunity, "in_pipeline", np.where(attempted, "nurtured", "waiting"))))
    width = max(6, len(str(rows)))
    frame = pd.DataFrame({
        "lead_id": np.char.add("L", np.char.zfill(np.arange(1, rows + 1).astype(str), width)),
        "created_at": _stamps(created),
        "tier": np.array(TIERS)[tier],
        "owner": np.char.add("seller-", (rng.integers(1, 41, rows)).astype(str)),
        "first_attempt_at": _stamps(first),
        "attempts": attempts,
        "contacted_at": _stamps(contacted),
        "qualified": np.where(qualified, "true", "false"),
        "qualified_at": _stamps(np.where(qualified, contacted, np.nan)),
        "opportunity": np.where(opportunity, "true", "false"),
        "won_at": _stamps(np.where(won, closed, np.nan)),
        "lost_at": _stamps(np.where(lost, closed, np.nan)),
        "deal_value": np.where(value > 0, np.char.mod("%.2f", value), ""),
        "status": state,
    })
    frame[COLUMNS].to_csv(path, index=False, encoding="utf-8")


def measure(path: Path, what: str) -> dict[str, float]:
    """Run one reader in a fresh interpreter; its rows, seconds and peak MB above baseline."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), what],
        check=True, capture_output=True, text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}" if b > 0 else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the export")
    parser.add_argument("--keep", metavar="PATH", help="also keep the export at PATH")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.keep) if args.keep else Path(folder) / "export.csv"
        write_export(path, args.rows)
        mb = path.stat().st_size / 1e6
        runs = [("slasim read_crm", measure(path, "slasim")),
                ("pandas.read_csv", measure(path, "pandas"))]
    peer = runs[1][1]
    print(
        f"CRM import of {args.rows:,} rows ({mb:.0f} MB); Python {platform.python_version()}, "
        f"pandas {pd.__version__}, {os.cpu_count()} CPUs; each reader in its own process"
    )
    table = [
        (name, f"{r['rows']:,.0f}", f"{r['used']:,.0f}", f"{mb:.0f}", f"{r['seconds']:.1f}",
         f"{r['peak_mb']:.0f}", f"{r['peak_mb'] / mb:.1f}",
         f"{r['seconds'] / peer['seconds']:.1f}", _ratio(r["peak_mb"], peer["peak_mb"]))
        for name, r in runs
    ]
    print(format_table(pd.DataFrame(table, columns=[
        "reader", "rows", "used", "file MB", "seconds", "peak MB", "x file", "time / peer",
        "memory / peer",
    ]).set_index("reader")))


if __name__ == "__main__":
    main()
