"""Seeds: what every random entry point accepts as ``seed``, and the one root it becomes.

Every simulation runs from an integer root: replication ``r`` uses child ``r`` of
``numpy.random.SeedSequence(root)`` (:func:`slasim.measure.executors.child_seed`), and the
results record the root, so any run can be repeated from ``result.seed``. :func:`root_seed`
turns each accepted form into that integer:

``int``
    itself (must be >= 0): the results are byte-identical to what the integer always gave;
``numpy.random.SeedSequence``
    a root sequence (no ``spawn_key``, the default pool size) gives its ``entropy``, so
    ``SeedSequence(42)`` is the same as ``42``; a spawned child gives 128 bits of its state
    (deterministic: the same child, the same root);
``numpy.random.Generator``
    128 bits drawn from it (the generator advances, as with any draw);
``None``
    fresh entropy from the operating system (128 bits), recorded in the results.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np

__all__ = ["Seed", "root_seed", "seed_sequence"]

#: What a ``seed`` parameter accepts.
Seed: TypeAlias = int | np.random.SeedSequence | np.random.Generator | None

_DEFAULT_POOL = np.random.SeedSequence(0).pool_size


def _from_words(words: np.ndarray) -> int:
    return sum(int(w) << (32 * i) for i, w in enumerate(words.tolist()))


def root_seed(seed: Seed) -> int:
    """The non-negative integer root that ``seed`` stands for (see the module docstring).

    Raises ``ValueError`` (as the integer check always did) for a negative integer and for
    anything that is not one of the accepted forms (a bool, a float, a string).
    """
    if isinstance(seed, bool) or not isinstance(
        seed, int | np.integer | np.random.SeedSequence | np.random.Generator | None
    ):
        raise ValueError(
            f"seed(={seed!r}) must be a non-negative integer, a numpy SeedSequence, a numpy "
            "Generator or None."
        )
    if seed is None:
        seed = np.random.SeedSequence()  # 128 bits of OS entropy, a root: its entropy below
    if isinstance(seed, np.random.Generator):
        return _from_words(seed.integers(0, 2**32, size=4, dtype=np.uint64))
    if isinstance(seed, np.random.SeedSequence):
        entropy = seed.entropy
        if not seed.spawn_key and seed.pool_size == _DEFAULT_POOL and isinstance(entropy, int):
            return entropy
        return _from_words(seed.generate_state(4, np.uint32))
    value = int(seed)
    if value < 0:
        raise ValueError(f"seed(={seed!r}) must be a non-negative integer.")
    return value


def seed_sequence(seed: Seed) -> np.random.SeedSequence:
    """``numpy.random.SeedSequence(root_seed(seed))``: the sequence a run with ``seed`` uses."""
    return np.random.SeedSequence(root_seed(seed))
