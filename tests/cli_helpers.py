"""Helpers shared by the CLI tests (the tests folder is on sys.path under pytest)."""

from __future__ import annotations

import pytest

from slasim.cli.main import main


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``slasim ARGV``, through the real entry point."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err
