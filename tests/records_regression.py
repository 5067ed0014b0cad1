"""Stored engine records for regression tests that pass on any CPU.

A SHA-256 of float records pins their bits, and the bits depend on the machine: numpy picks
SIMD kernels (AVX2, AVX-512, ...) at run time, and their ``exp``/``log``/sums may round the
last bit differently. :func:`check_records` instead compares records with a file stored in
``tests/data/regression`` (the fields the file holds): integer and boolean fields (tier, attempts, state, shift, ...) and
the order of the records exactly, the NaN pattern of float fields (who was served, contacted,
closed, abandoned) exactly, and float values with :data:`RTOL` / :data:`ATOL`.

Regenerating (only for a deliberate change of the records, and from the commit *before* that
change, never from the new code)::

    SLASIM_REGEN=1 .venv/bin/python -m pytest -q -p no:xdist \\
        tests/test_engine_patience.py tests/test_engine_utilization.py -k unchanged
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.lib import recfunctions as rfn

__all__ = ["ATOL", "REGRESSION_DIR", "RTOL", "check_records"]

REGRESSION_DIR = Path(__file__).resolve().parent / "data" / "regression"

# Float tolerance. Between the AVX-512, AVX2 and SSE kernels of numpy the engine's records
# differ by one ulp at most (measured: relative 4e-16, absolute 3e-11 on deal values of ~1e5),
# a few ulps after a month of additions at worst. A real change in the engine (another draw,
# another pick, another order) moves values by far more than 1e-9 relative, and also shows in
# the integer fields or the NaN pattern, which are compared exactly.
RTOL = 1e-9
ATOL = 1e-9  # minutes or money: for values that are (nearly) zero


def _assert_same(expected: np.ndarray, actual: np.ndarray, what: str) -> None:
    # A stored file pins the fields it holds: a field added to the records later (e.g. the
    # first attempt's seller and end times) must leave every stored field as it was, and is
    # checked by its own tests. A stored field that is gone or changed type is a failure.
    stored = expected.dtype.names or ()
    for field in stored:
        assert field in (actual.dtype.names or ()), f"{what}: field {field!r} is gone"
        assert actual.dtype[field] == expected.dtype[field], (
            f"{what}.{field}: dtype {actual.dtype[field]} != {expected.dtype[field]}"
        )
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    for field in stored:
        want, got = expected[field], actual[field]
        name = f"{what}.{field}"
        if want.dtype.kind == "f":
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{name}: NaN")
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=name)
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)


def check_records(name: str, **records: np.ndarray) -> None:
    """Compare structured ``records`` with ``tests/data/regression/NAME.npz``.

    With ``SLASIM_REGEN=1`` in the environment the file is (re)written from ``records`` instead.

    Parameters
    ----------
    name
        File name without extension.
    **records
        Structured arrays (e.g. ``leads=..., sellers=...``); fields are repacked before storing.
    """
    path = REGRESSION_DIR / f"{name}.npz"
    packed = {key: rfn.repack_fields(value) for key, value in records.items()}
    if os.environ.get("SLASIM_REGEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, **packed)
    with np.load(path, allow_pickle=False) as stored:
        assert sorted(stored.files) == sorted(packed), f"{path.name}: {stored.files}"
        for key, actual in packed.items():
            _assert_same(stored[key], actual, f"{name}:{key}")
