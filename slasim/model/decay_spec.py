"""A decay curve from a plain mapping (a scenario file's ``[decay]`` table, or ``to_spec``).

Unknown kinds and unknown keys raise ``ValueError`` with a "did you mean" hint, so typos in
scenario files do not pass silently.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np

from slasim.model.decay import (
    _DEFAULT_PROVENANCE,
    DecayCurve,
    ExponentialDecay,
    FlatDecay,
    PowerLawDecay,
    TableDecay,
)

__all__ = ["curve_from_spec"]


_SPEC_KEYS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType(
    {
        # kind: (required parameters, optional parameters)
        "flat": ((), ("provenance",)),
        "exponential": (("half_life_minutes",), ("floor", "provenance")),
        "power_law": (("scale_minutes", "exponent"), ("floor", "provenance")),
        "table": (("ages_minutes", "factors"), ("interpolation", "provenance")),
    }
)


def _did_you_mean(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def _number(spec: Mapping[str, object], key: str, default: float | None = None) -> float:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key}(={value!r}) must be a number.")
    return float(value)


def _numbers(spec: Mapping[str, object], key: str) -> list[float]:
    value = spec[key]
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        raise ValueError(f"{key}(={value!r}) must be a list of numbers.")
    out: list[float] = []
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, int | float | np.number):
            raise ValueError(f"{key}[{i}](={v!r}) must be a number.")
        out.append(float(v))
    return out


def curve_from_spec(spec: Mapping[str, object]) -> DecayCurve:
    """Build a curve from a plain mapping, the inverse of :meth:`DecayCurve.to_spec`.

    Unknown kinds and unknown keys raise ``ValueError`` (with a "did you mean" hint), so typos in
    scenario files do not pass silently.
    """
    kind = spec.get("kind")
    if not isinstance(kind, str) or kind not in _SPEC_KEYS:
        known = ", ".join(repr(k) for k in _SPEC_KEYS)
        hint = _did_you_mean(kind, list(_SPEC_KEYS)) if isinstance(kind, str) else ""
        raise ValueError(f"kind(={kind!r}) must be one of {known}.{hint}")
    required, optional = _SPEC_KEYS[kind]
    allowed = ("kind", *required, *optional)
    for key in spec:
        if key not in allowed:
            raise ValueError(
                f"unknown key {key!r} for a {kind!r} curve; allowed: {', '.join(allowed)}."
                f"{_did_you_mean(key, allowed)}"
            )
    for key in required:
        if key not in spec:
            raise ValueError(f"a {kind!r} curve needs {key!r}; got keys {sorted(spec)}.")
    provenance = spec.get("provenance", _DEFAULT_PROVENANCE)
    if not isinstance(provenance, str):
        raise ValueError(f"provenance(={provenance!r}) must be a string.")
    if kind == "flat":
        return FlatDecay(provenance=provenance)
    if kind == "exponential":
        return ExponentialDecay(
            _number(spec, "half_life_minutes"),
            _number(spec, "floor", 0.0),
            provenance=provenance,
        )
    if kind == "power_law":
        return PowerLawDecay(
            _number(spec, "scale_minutes"),
            _number(spec, "exponent"),
            _number(spec, "floor", 0.0),
            provenance=provenance,
        )
    interpolation = spec.get("interpolation", "log")
    if interpolation != "log" and interpolation != "linear":
        raise ValueError(f"interpolation(={interpolation!r}) must be 'log' or 'linear'.")
    return TableDecay(
        _numbers(spec, "ages_minutes"),
        _numbers(spec, "factors"),
        interpolation,
        provenance=provenance,
    )
