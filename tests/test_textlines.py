"""A CSV input without line breaks (a device, a binary file) ends in exit 2 naming the file and
line, instead of being read until memory runs out."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from slasim.errors import InputError
from slasim.textlines import bounded_lines
from tests.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
ZERO = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")


def test_lines_within_the_limit_are_kept_with_their_ends() -> None:
    text = "a,b\r\n1,2\n3,4"
    assert list(bounded_lines(io.StringIO(text, newline=""), "f.csv", limit=5)) == [
        "a,b\r\n", "1,2\n", "3,4"
    ]


def test_a_line_over_the_limit_names_the_file_and_line() -> None:
    text = "a,b\n" + "x" * 6 + "\n"
    with pytest.raises(InputError, match=r"f.csv: line 2: is longer than 5 characters"):
        list(bounded_lines(io.StringIO(text), "f.csv", limit=5))


@ZERO
@pytest.mark.parametrize(
    "argv",
    [
        ["crm-check", "/dev/zero"],
        ["check", str(ROOT / "scenarios/contact-centre.toml"), "--set", "team.roster=/dev/zero"],
        ["run", str(ROOT / "scenarios/baseline.toml"), "--set", "trace.path=/dev/zero",
         "--reps", "2"],
    ],
    ids=["crm-export", "roster", "trace"],
)
def test_dev_zero_as_a_csv_input_is_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Each read /dev/zero until the kernel killed it.
    code, _, err = run_cli(argv, capsys)
    assert code == 2
    assert "/dev/zero: line 1: is longer than 10,000,000 characters" in err
