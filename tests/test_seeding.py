"""Seeds: an int, a SeedSequence, a Generator or None; an int gives what it always gave."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from slasim.measure.executors import child_seed
from slasim.measure.experiment import compare, simulate
from slasim.measure.sweeps import sweep
from slasim.scenario.load import load_scenario
from slasim.seeding import root_seed, seed_sequence

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
REPS = 2


@pytest.fixture(scope="module")
def baseline():  # type: ignore[no-untyped-def]
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def with_int(baseline):  # type: ignore[no-untyped-def]
    return simulate(baseline, REPS, seed=7)


def test_an_int_is_its_own_root_and_keeps_the_child_seeds() -> None:
    for seed in (0, 7, 2**40 + 3):
        assert root_seed(seed) == seed
        assert root_seed(np.int64(seed) if seed < 2**63 else seed) == seed
        assert root_seed(np.random.SeedSequence(seed)) == seed
        assert seed_sequence(seed).entropy == seed
        spawned = np.random.SeedSequence(seed).spawn(4)
        for r in range(4):
            # What every replication draws from, as before: child r of SeedSequence(seed).
            assert np.array_equal(child_seed(root_seed(seed), r).generate_state(8),
                                  spawned[r].generate_state(8))


def test_a_spawned_child_a_generator_and_none() -> None:
    child = np.random.SeedSequence(7).spawn(2)[1]
    assert root_seed(child) == root_seed(np.random.SeedSequence(7).spawn(2)[1])
    assert root_seed(child) != 7 and root_seed(child) < 2**128
    first = root_seed(np.random.default_rng(3))
    assert first == root_seed(np.random.default_rng(3)) and first < 2**128
    rng = np.random.default_rng(3)
    assert root_seed(rng) != root_seed(rng)  # the generator advances
    assert root_seed(None) != root_seed(None)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "7", [1, 2]])
def test_other_seeds_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="seed"):
        root_seed(bad)  # type: ignore[arg-type]


def test_simulate_with_a_seed_sequence_is_the_int_run(baseline, with_int) -> None:  # type: ignore[no-untyped-def]
    again = simulate(baseline, REPS, seed=np.random.SeedSequence(7))
    assert again.seed == 7
    assert again.replications.equals(with_int.replications)


def test_simulate_with_a_generator_repeats_and_records_its_root(baseline) -> None:  # type: ignore[no-untyped-def]
    a = simulate(baseline, REPS, seed=np.random.default_rng(11))
    b = simulate(baseline, REPS, seed=np.random.default_rng(11))
    assert a.seed == b.seed == root_seed(np.random.default_rng(11))
    assert a.replications.equals(b.replications)
    # The recorded root repeats the run.
    assert simulate(baseline, REPS, seed=a.seed).replications.equals(a.replications)


def test_simulate_with_none_records_a_fresh_root(baseline) -> None:  # type: ignore[no-untyped-def]
    fresh = simulate(baseline, REPS, seed=None)
    assert isinstance(fresh.seed, int) and fresh.seed >= 0
    assert simulate(baseline, REPS, seed=fresh.seed).replications.equals(fresh.replications)


def test_compare_with_a_generator_keeps_common_random_numbers(baseline) -> None:  # type: ignore[no-untyped-def]
    # One root for every option: identical options differ by exactly zero.
    result = compare([baseline, baseline], REPS, seed=np.random.default_rng(5))
    assert result.results[0].seed == result.results[1].seed
    assert result.results[0].replications.equals(result.results[1].replications)


def test_sweep_with_a_seed_sequence_is_the_int_sweep(baseline) -> None:  # type: ignore[no-untyped-def]
    grid = ["team.shifts[0].sellers=4,5"]
    by_int = sweep(baseline, grid, reps=REPS, seed=3)
    by_sequence = sweep(baseline, grid, reps=REPS, seed=np.random.SeedSequence(3))
    assert by_sequence.seed == 3
    assert by_sequence.table.equals(by_int.table)
