"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def baseline_path() -> Path:
    return SCENARIOS / "baseline.toml"


@pytest.fixture
def textbook_path() -> Path:
    return SCENARIOS / "textbook-mmn.toml"
