"""Every notebook runs without an error and shows its figures inline.

Each notebook is executed once, top to bottom, with nbclient in a fresh kernel whose working
directory is ``notebooks/`` (as in ``jupyter lab notebooks/``). A cell that raises fails the
test (what nbmake checked before, so ``make test`` runs the notebooks only here).

The rule a reader can follow: **a code cell draws if and only if it carries the cell tag
``draws``.** Then

- every tagged cell has an ``image/png`` output (the figure was displayed, not closed before
  display or drawn into a non-interactive backend);
- no untagged cell has one (a figure does not leak into the next cell);
- no cell prints a bare ``<Figure size ...>`` repr (a cell ending in ``fig.tight_layout()`` or
  a plot call whose return value is echoed instead of the figure);
- a cell that creates a figure (``plt.subplots``, ``plt.show``, or a ``*_figure(`` helper) is
  tagged, so the tag cannot be forgotten on a new plotting cell;
- no notebook switches matplotlib to a non-interactive backend (``matplotlib.use``).

The executed copy is saved in ``build/notebooks/``: the docs build (``make test`` builds it after
the tests) renders the tutorials from it instead of executing the notebooks a second time.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
TAG = "draws"
CREATES_FIGURE = re.compile(r"plt\.subplots|plt\.show\(|\w+_figure\(")
FIGURE_REPR = re.compile(r"<Figure size [^>]*>")
_SPEC = importlib.util.spec_from_file_location(
    "docs_notebooks", NOTEBOOKS.parent / "docs" / "scripts" / "notebooks.py"
)
assert _SPEC is not None and _SPEC.loader is not None
docs_notebooks = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(docs_notebooks)


def _texts(cell: nbformat.NotebookNode) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            texts.append(str(out.get("text", "")))
        data = out.get("data", {})
        if "image/png" not in data:  # a displayed figure's text/plain fallback is not bare
            texts.append(str(data.get("text/plain", "")))
    return texts


def _has_image(cell: nbformat.NotebookNode) -> bool:
    return any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


def test_there_are_notebooks() -> None:
    assert len(PATHS) >= 4, PATHS


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_and_shows_its_figures(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    opening = nb.cells[0]
    assert opening.cell_type == "markdown" and opening.source.startswith("# "), (
        "a notebook opens with a title saying what it answers"
    )
    assert re.search(r"\bedit\b[^.]*\bcells?\b", opening.source, re.S), (
        "the opening says which cell to edit"
    )
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any("matplotlib.use(" in c.source for c in code), "no non-interactive backend"
    tagged = [TAG in c.metadata.get("tags", []) for c in code]
    assert any(tagged), f"{path.name}: no cell is tagged {TAG!r}"
    for c, is_tagged in zip(code, tagged, strict=True):
        if CREATES_FIGURE.search(c.source):
            assert is_tagged, f"{path.name}: a cell creates a figure but is not tagged:\n{c.source}"

    NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    ).execute()  # raises CellExecutionError (with the traceback) when a cell fails

    for c, is_tagged in zip(code, tagged, strict=True):
        head = c.source.splitlines()[0] if c.source else ""
        if is_tagged:
            assert _has_image(c), f"{path.name}: tagged cell shows no image: {head}"
        else:
            assert not _has_image(c), f"{path.name}: untagged cell shows an image: {head}"
        reprs = [m for t in _texts(c) for m in FIGURE_REPR.findall(t)]
        assert not reprs, f"{path.name}: cell prints {reprs[0]} instead of the figure: {head}"
    docs_notebooks.save_executed(nb, path.name)  # for the docs build (docs/scripts/notebooks.py)
