"""The files of ``slasim sweep --out DIR``: the table (CSV, optionally Parquet) and its figure.

The table is :attr:`slasim.measure.sweeps.SweepResult.table`; the figure is
:func:`slasim.render.sweep_figure.sweep_figure`. Each file is written atomically
(:mod:`slasim.outputs`), and the same sweep gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt

from slasim.measure.sweeps import PLOT_VALUES, require_pyarrow
from slasim.outputs import atomic_open, write_csv
from slasim.render.sweep_figure import sweep_figure

if TYPE_CHECKING:
    from slasim.measure.sweeps import SweepResult

__all__ = ["FIGURE_FORMATS", "OUTPUT_FILES", "write_sweep"]

#: Figure file formats of :func:`write_sweep` (``none``: no figure).
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "none")
#: The files ``--out DIR`` may receive.
OUTPUT_FILES: tuple[str, ...] = ("sweep.csv", "sweep.parquet", "sweep.png", "sweep.svg")


def write_sweep(
    result: SweepResult, out_dir: str | Path, *, figure: str = "png", plot: str = "p_joint",
    parquet: bool = False,
) -> list[Path]:
    """Write ``sweep.csv`` (and ``sweep.parquet``) and the figure ``sweep.<figure>``.

    Each file atomically (:mod:`slasim.outputs`); the folder is created if missing.

    Parameters
    ----------
    result
        The sweep (:func:`slasim.measure.sweeps.sweep`).
    out_dir
        The folder.
    figure
        ``"png"``, ``"svg"`` or ``"none"`` (no figure).
    plot
        What the figure shows: one of :data:`slasim.measure.sweeps.PLOT_VALUES`.
    parquet
        Also write the table as Parquet (needs pyarrow:
        :func:`slasim.measure.sweeps.require_pyarrow`).

    Returns
    -------
    list of Path
        The files written, in the order above.
    """
    if figure not in FIGURE_FORMATS:
        raise ValueError(f"figure(={figure!r}) must be one of {', '.join(FIGURE_FORMATS)}.")
    if plot not in PLOT_VALUES:
        raise ValueError(f"plot(={plot!r}) must be one of {', '.join(PLOT_VALUES)}.")
    if parquet:
        require_pyarrow()
    out = Path(out_dir)
    out.mkdir(exist_ok=True)
    written = [out / "sweep.csv"]
    write_csv(result.table, written[0], float_format="%.10g", lineterminator="\n")
    if parquet:
        written.append(out / "sweep.parquet")
        with atomic_open(written[-1], "wb") as fh:
            result.table.to_parquet(fh, index=False)
    if figure != "none":
        written.append(out / f"sweep.{figure}")
        fig = sweep_figure(result, plot)
        try:
            # No date or software in the file, and SVG ids hashed from a fixed salt (else
            # random per process): the same sweep gives the same bytes.
            meta = {"Software": None} if figure == "png" else {"Date": None}
            with atomic_open(written[-1], "wb") as fh, plt.rc_context(
                {"svg.hashsalt": "slasim"}
            ):
                fig.savefig(fh, format=figure, dpi=150, metadata=meta)
        finally:
            plt.close(fig)
    return written
