"""The tutorial notebooks, executed, for the docs build.

``tests/test_notebooks_show.py`` executes every notebook in ``notebooks/`` and saves the
executed copy in ``build/notebooks/``; ``make test`` builds the docs after the tests, so the
site shows those outputs without running the notebooks a second time. A copy older than its
notebook or than any file of ``slasim/`` or ``scenarios/`` is stale and executed here again
(``make docs`` on a fresh clone executes all of them, about 3 minutes on 2 cores).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "notebooks"
EXECUTED = ROOT / "build" / "notebooks"

__all__ = ["EXECUTED", "SOURCE", "executed", "save_executed"]


def _newest_input(notebook: Path) -> float:
    inputs = [notebook, *(ROOT / "slasim").rglob("*.py"), *(ROOT / "scenarios").glob("*.toml"),
              *(ROOT / "scenarios").glob("*.csv")]
    return max(p.stat().st_mtime for p in inputs)


def save_executed(nb: object, name: str) -> Path:
    """Write an executed notebook to ``build/notebooks/NAME`` atomically; return the path."""
    import nbformat

    EXECUTED.mkdir(parents=True, exist_ok=True)
    target = EXECUTED / name
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, target)
    return target


def executed() -> list[Path]:
    """Every notebook of ``notebooks/``, executed; stale or missing copies are executed now."""
    paths = []
    for notebook in sorted(SOURCE.glob("*.ipynb")):
        target = EXECUTED / notebook.name
        if not target.exists() or target.stat().st_mtime < _newest_input(notebook):
            import nbformat
            from nbclient import NotebookClient

            print(f"executing {notebook.relative_to(ROOT)} for the docs", flush=True)
            nb = nbformat.read(notebook, as_version=4)
            NotebookClient(nb, timeout=900, kernel_name="python3",
                           resources={"metadata": {"path": str(SOURCE)}}).execute()
            save_executed(nb, notebook.name)
        paths.append(target)
    return paths
