"""Writing output files safely: never over an input, atomically, CSV cells made inert.

Every command that writes files goes through this module:

- :func:`check_outputs` runs *before* any work and refuses (:class:`~slasim.errors.InputError`,
  exit 2) an output that is one of the command's inputs (the same file, also through a link),
  that lies in a folder which does not exist, that is a folder where a file is expected, or
  that two options both name;
- :func:`atomic_write_text`, :func:`atomic_write_bytes` and :func:`atomic_open` write to a
  temporary file in the target's folder and move it over the target only when complete
  (``os.replace``): an interrupted or failed write leaves the old file as it was and no
  temporary file behind;
- :func:`write_csv` writes a DataFrame that way after :func:`neutralise_frame`: text cells that
  a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return first)
  get a leading ``'`` (OWASP, "CSV injection"); numbers stay numbers.

``-`` (stdout) is not a file: the checks skip it. This module is imported when the CLI starts:
no pandas at import time.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, TextIO, TypeGuard

from slasim.errors import InputError, Problem

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "STDOUT",
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_outputs",
    "json_table",
    "looks_like_formula",
    "neutralise_cell",
    "neutralise_frame",
    "write_csv",
]

#: The path that means "standard output" where an option allows it.
STDOUT = "-"

PathLike = str | os.PathLike[str]

# -- atomic writes -------------------------------------------------------------------------


def _new_file_mode(target: Path) -> int:
    """Permissions for the file replacing ``target``: its own, else what ``open`` would give."""
    with suppress(OSError):
        return target.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_open(
    path: PathLike, mode: str = "w", *, encoding: str = "utf-8", newline: str | None = None
) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; move it over ``path`` when the block succeeds.

    For writers that need a file object (``DataFrame.to_csv``, ``Figure.savefig``). The data
    is flushed and synced before ``os.replace``; if the block raises (including
    ``KeyboardInterrupt``) the temporary file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path
        The file to (re)place; its folder must exist.
    mode
        ``"w"`` (text) or ``"wb"`` (bytes).
    encoding, newline
        As for :func:`open`, text mode only.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode(={mode!r}) must be 'w' or 'wb'")
    # Through links to what they name: renaming over a link replaced the link (/dev/stdout
    # became a file), not the file it points to.
    target = Path(os.path.realpath(path))
    text = mode == "w"
    try:
        special = not stat.S_ISREG(target.stat().st_mode)
    except OSError:
        special = False  # a new file
    if special:
        # A device, pipe or socket (/dev/null, /dev/full, a FIFO) is written into, never
        # renamed over: as root the rename replaced the device with a plain file.
        with open(target, mode, encoding=encoding if text else None,
                  newline=newline if text else None) as stream:
            yield stream
        return
    # Not a with-statement: the temporary file must outlive its handle when all went well.
    handle = tempfile.NamedTemporaryFile(
        mode=mode,
        dir=target.parent,
        prefix=f".{target.name}.",
        suffix=".tmp",
        delete=False,
        encoding=encoding if text else None,
        newline=newline if text else None,
    )
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, _new_file_mode(target))
        os.replace(handle.name, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(handle.name)
        raise


def atomic_write_text(path: PathLike, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path, "w", encoding=encoding, newline="") as fh:
        fh.write(text)


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)


# -- CSV cells a spreadsheet would run -------------------------------------------------------

#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number written as text (-3.5, +2, 1e-3): a spreadsheet reads it as that number.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def looks_like_formula(value: object) -> TypeGuard[str]:
    """Whether a spreadsheet would run ``value`` as a formula: text starting with
    :data:`FORMULA_START` that is not a plain number (``-3.5`` is a number)."""
    return (isinstance(value, str) and value.startswith(FORMULA_START)
            and not _NUMBER.fullmatch(value))


def neutralise_cell(value: object) -> object:
    """``'=1+1`` for ``=1+1``: a text cell that starts like a formula gets a leading quote.

    Anything else is returned as is: numbers, missing values, and text that is a plain number
    (``-3.5`` stays ``-3.5``).
    """
    return "'" + value if looks_like_formula(value) else value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`neutralise_cell` applied to every text cell and header.

    Numeric, boolean and datetime columns are not touched: they are written as numbers.
    """
    import pandas as pd

    out = frame.copy()
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        dtype = column.dtype
        if dtype.kind == "O" or isinstance(dtype, pd.StringDtype | pd.CategoricalDtype):
            out.isetitem(i, column.astype(object).map(neutralise_cell).to_numpy(dtype=object))
    if not isinstance(out.columns, pd.MultiIndex):
        out.columns = pd.Index([neutralise_cell(c) for c in out.columns])
    return out


def write_csv(frame: pd.DataFrame, target: PathLike | TextIO, **to_csv: Any) -> None:
    """Write ``frame`` as CSV (cells neutralised) atomically to a path, or to a text stream.

    Parameters
    ----------
    frame
        The table; its index is written only if ``index=True`` is passed.
    target
        A file path, or an open text stream such as ``sys.stdout``.
    **to_csv
        Further arguments of ``DataFrame.to_csv`` (``float_format``, ``lineterminator``...).
    """
    to_csv.setdefault("index", False)
    safe = neutralise_frame(frame)
    if isinstance(target, str | os.PathLike):
        # newline="": to_csv writes its own line terminators (as when it opens the file).
        with atomic_open(target, "w", encoding="utf-8", newline="") as fh:
            safe.to_csv(fh, **to_csv)
    else:
        safe.to_csv(target, **to_csv)


# -- up-front checks ---------------------------------------------------------------------------


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links
    except OSError:
        return False


def _file_problem(path: Path, inputs: list[Path], *, made: bool = False) -> str | None:
    """What is wrong with writing the file ``path``, or None (``made``: the command creates
    its folder)."""
    folder = path.parent
    if path.is_dir():
        return f"got {str(path)!r}, which is a folder; expected a file name"
    if made and not folder.exists():
        return None  # nothing in it yet: neither an input nor a folder
    if not folder.exists():
        return (
            f"cannot write the file (the folder {str(folder)!r} does not exist); expected a "
            "path in an existing folder"
        )
    if not folder.is_dir():
        return (
            f"cannot write the file ({str(folder)!r} is not a folder); expected a path in a "
            "folder"
        )
    for source in inputs:
        if _same_file(path, source):
            return (
                f"got {str(path)!r}, which is the input {str(source)!r}; expected another file "
                "(slasim never overwrites its inputs)"
            )
    if not os.access(folder, os.W_OK):
        return _not_writable(folder)
    return None


def _not_writable(folder: Path) -> str:
    # Asked before any work: a read-only folder found only when the results are written
    # would cost the user the whole run.
    return (f"cannot write into the folder {str(folder)!r} (read-only, or no permission); "
            "expected a folder this user can write to")


def check_outputs(
    outputs: Mapping[str, PathLike | None],
    inputs: Iterable[PathLike | None] = (),
    *,
    folders: Mapping[str, tuple[PathLike | None, Iterable[str]]] | None = None,
) -> None:
    """Refuse bad output paths before a command does any work.

    Parameters
    ----------
    outputs
        Output files by option, e.g. ``{"--json": args.json}``; None (option not given) and
        ``"-"`` (stdout) are skipped.
    inputs
        Every file the command reads: scenario files with their ``extends`` parents and trace
        (:func:`slasim.scenario.load.input_files`), CRM export, ``--base``...; None is skipped.
    folders
        Output folders by option with the names of the files written in them, e.g.
        ``{"--out": (args.out, ["proposal.toml", "result.json"])}``. The folder itself is
        created if missing, but its parent must exist.

    Raises
    ------
    InputError
        One problem per bad output: an input named as output, a missing or non-folder parent,
        a folder given where a file is expected (or a file where a folder is), or one file
        named by two options.
    """
    sources = [Path(p) for p in inputs if p is not None]
    problems: list[Problem] = []
    planned: list[tuple[str, Path]] = []
    for option, value in outputs.items():
        if value is None or str(value) == STDOUT:
            continue
        path = Path(value)
        message = _file_problem(path, sources)
        if message:
            problems.append(Problem(str(value), option, message))
        planned.append((option, path))
    for option, (value, names) in (folders or {}).items():
        if value is None:
            continue
        folder = Path(value)
        parent = folder.parent
        if folder.exists() and not folder.is_dir():
            problems.append(Problem(str(value), option, f"got {str(value)!r}, which is a file; "
                                                        "expected a folder"))
        elif not folder.exists() and not parent.is_dir():
            problems.append(Problem(
                str(value), option,
                f"cannot create the folder (the folder {str(parent)!r} does not exist); "
                "expected a folder whose parent exists",
            ))
        elif not os.access(writes_in := folder if folder.exists() else parent, os.W_OK):
            problems.append(Problem(str(value), option, _not_writable(writes_in)))
        else:
            # A file option naming the folder to be created (an existing folder is refused
            # by the file's own check).
            problems += [
                Problem(str(file), other, f"got {str(file)!r}, which {option} writes its "
                                          "files into; expected a file name")
                for other, file in planned
                if not folder.exists() and _same_file(file, folder)
            ]
            for name in names:
                message = _file_problem(folder / name, sources, made=True)
                if message:
                    problems.append(Problem(str(folder / name), option, message))
                planned.append((option, folder / name))
    for i, (option, path) in enumerate(planned):
        for other, earlier in planned[:i]:
            if _same_file(path, earlier):
                problems.append(Problem(
                    str(path), option,
                    f"got {str(path)!r}, which {other} writes too; expected another file",
                ))
                break
    if problems:
        raise InputError(problems)


def json_table(
    frame: pd.DataFrame, orient: Literal["records", "index"] = "records",
    date_format: Literal["iso"] | None = None,
) -> Any:
    """``frame`` as JSON-ready data (NaN as None), for a command's ``--json``.

    Through ``DataFrame.to_json`` at its finest float precision (15 decimals): its default, 10,
    made a JSON table differ from the CSV of the same rows.
    """
    import json

    return json.loads(frame.to_json(orient=orient, double_precision=15, date_format=date_format))
