"""slasim track on hostile CRM exports: every row accounted for, every message naming the row."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_cli as run

ROOT = Path(__file__).resolve().parent.parent
BASELINE = str(ROOT / "scenarios" / "baseline.toml")
HEADER = "lead_id,created_at,tier,owner,first_attempt_at,attempts\n"


def _export(tmp_path: Path, *extra: str) -> str:
    rows = [f"L{i},2026-04-{1 + i % 28:02d}T09:{i % 60:02d}:00+02:00,hot,ann,"
            f"2026-04-{1 + i % 28:02d}T09:{i % 60:02d}:30+02:00,1" for i in range(40)]
    path = tmp_path / "leads.csv"
    path.write_text(HEADER + "\n".join([*rows, *extra]) + "\n", encoding="utf-8")
    return str(path)


def test_a_lead_dated_1700_names_the_export_row_not_the_agreement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Read (pandas holds 1700), then the month's scenario failed on horizon.start, blamed on
    # the agreement: "error: baseline: horizon.start: got 1700-01-01".
    export = _export(tmp_path, "L999,1700-01-01T10:00:00,hot,ann,,0")
    code, _, err = run(["track", "--quiet", "--reps", "2", export, "--agreement", BASELINE],
                       capsys)
    assert code == 2, err
    assert f"error: {export}: row 42, column 'created_at': got 1700-01-01 10:00, in" in err, err
    assert "month 1700-01" in err and "1900-01-01 to 2199-12-31" in err, err
    assert "horizon.start" not in err and "Traceback" not in err


def test_period_accounts_for_the_rows_outside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The summary said "43 used", the month "40 leads"; the 3 March rows were not mentioned.
    march = [f"M{i},2026-03-1{i}T10:00:00+01:00,hot,ann,2026-03-1{i}T10:05:00+01:00,1"
             for i in range(3)]
    export = _export(tmp_path, *march)
    code, out, err = run(["track", "--quiet", "--reps", "2", export, "--agreement", BASELINE,
                          "--period", "2026-04"], capsys)
    assert code == 0, err
    assert "43 rows read, 43 used, 0 rejected" in out, out
    assert (f"{export}: 43 rows used = 40 tracked (2026-04) + 0 after the export time + 3 "
            "outside --period 2026-04") in out, out
