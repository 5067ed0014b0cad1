"""Print the numpy CPU features to switch off for ``make test-narrow`` (space-separated).

numpy picks SIMD kernels at run time; the results of ``exp``, ``log`` or a sum may differ in
the last bit between them. ``make test-narrow`` runs the engine and experiment tests again with
``NPY_DISABLE_CPU_FEATURES`` set to this list, so that a test which holds only with this
machine's rounding fails in CI rather than on a contributor's laptop.

The list holds the AVX-512 features numpy dispatches and this machine has (``AVX512F``,
``AVX512_SKX``, ... in numpy 1.x; ``X86_V4``, ``AVX512_ICL``, ... in numpy 2.4); on a machine
without AVX-512, the AVX2 level (``X86_V3`` or ``AVX2``, ``FMA3``, ...) instead. Only features
numpy dispatches can be switched off (numpy warns about any other name and ignores it), and
only present ones make a difference. Empty output: nothing to narrow on this machine.
"""

from __future__ import annotations

try:  # numpy >= 2
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
except ImportError:  # numpy 1.x
    from numpy.core._multiarray_umath import (  # type: ignore[no-redef]
        __cpu_dispatch__,
        __cpu_features__,
    )

AVX512 = ("AVX512", "X86_V4")
AVX2 = ("X86_V3", "AVX2", "FMA3", "AVX", "F16C")


def narrow() -> list[str]:
    """Dispatched features present on this machine: the AVX-512 ones, else the AVX2 ones."""
    present = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    wide = [f for f in present if f.startswith(AVX512)]
    return wide or [f for f in present if f in AVX2]


if __name__ == "__main__":
    print(" ".join(narrow()))
