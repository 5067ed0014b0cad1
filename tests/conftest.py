"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """Close every matplotlib figure after each test: a test that leaves one open must not
    change what the next test in the same worker sees (tests run in any order with xdist)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def baseline_path() -> Path:
    return SCENARIOS / "baseline.toml"


@pytest.fixture
def textbook_path() -> Path:
    return SCENARIOS / "textbook-mmn.toml"
