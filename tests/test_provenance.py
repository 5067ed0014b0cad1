"""Provenance kept on the scenario: copies, deep copies and pickles keep it; equality ignores it."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from slasim.scenario.load import input_files, load_scenario, scenario_from_dict
from slasim.scenario.provenance import Provenance
from slasim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
BASE = SCENARIOS / "baseline.toml"
CHILD = SCENARIOS / "option-fast-response.toml"


@pytest.fixture(scope="module")
def loaded() -> Scenario:
    return load_scenario(CHILD, ["team.shifts[0].sellers=8"])


def test_load_records_sources_files_and_set_locations(loaded: Scenario) -> None:
    prov = loaded.provenance
    assert prov.files == (CHILD, BASE)
    assert prov.set_locations() == (("team", "shifts", 0, "sellers"),)
    assert prov.overrides == ("team.shifts[0].sellers=8",)  # as given: a report repeats them
    assert prov.origin_of("team.shifts[0].sellers", "?") == "--set"
    assert prov.origin_of("routing.policy", "?") == str(CHILD)
    assert prov.origin_of(("team", "shrinkage"), "?") == str(BASE)
    assert input_files(loaded)[:2] == (CHILD, BASE)


@pytest.mark.parametrize(
    "make",
    [
        lambda s: s.model_copy(),
        lambda s: s.model_copy(deep=True),
        copy.copy,
        copy.deepcopy,
        lambda s: pickle.loads(pickle.dumps(s)),
    ],
    ids=["model_copy", "model_copy_deep", "copy", "deepcopy", "pickle"],
)
def test_copies_keep_the_provenance(loaded: Scenario, make: object) -> None:
    copied = make(loaded)  # type: ignore[operator]
    assert copied == loaded
    assert copied.provenance == loaded.provenance
    assert copied.provenance.origin_of("team.shifts[0].sellers", "?") == "--set"
    assert input_files(copied) == input_files(loaded)


def test_equality_ignores_the_provenance(loaded: Scenario) -> None:
    built = scenario_from_dict(loaded.model_dump())
    assert built.provenance == Provenance()
    assert built == loaded and loaded == built
    assert not built != loaded
    assert built.with_provenance(loaded.provenance).provenance == loaded.provenance
    other = loaded.model_copy(update={"name": "other"})
    assert other != loaded


def test_values_replaced_in_code_lose_their_source(loaded: Scenario) -> None:
    # model_copy(update=...) sets values in code: no file or --set set them any more.
    copied = loaded.model_copy(update={"team": loaded.team})
    assert copied.provenance.origin_of("team.shifts[0].sellers", "<code>") == "<code>"
    assert copied.provenance.set_locations() == ()
    assert copied.provenance.overrides == ()  # repeating it would undo the change in code
    assert loaded.model_copy(update={"name": "x"}).provenance.overrides == (
        "team.shifts[0].sellers=8",)
    assert copied.provenance.origin_of("routing.policy", "<code>") == str(CHILD)
    assert copied.provenance.files == loaded.provenance.files


def test_a_scenario_built_in_code_has_none() -> None:
    built = scenario_from_dict(load_scenario(BASE).model_dump())
    assert built.provenance.origin_of("team", "<code>") == "<code>"
    assert built.provenance.set_locations() == ()
    assert input_files(built) == ()
