"""Where a user without the repository starts: the reference scenarios and ``slasim init``.

The reference scenarios ship inside the wheel as package data (``slasim/scenarios/*.toml``,
built from the repository's ``scenarios/`` folder: one copy, see docs/decisions.md). Commands:

- ``slasim examples``: list them; ``slasim examples show NAME``: print one;
  ``slasim examples copy NAME DIR``: write one, with its comments, to a folder;
- ``slasim init PATH --from NAME``: the same, to a file name of the user's choice;
- ``slasim init PATH [--sellers 4 --leads-per-month 600 --hours 08-17 ...]``: a new commented
  scenario (:mod:`slasim.scenario.template`), asking for the values on a terminal.

A scenario that ``extends`` another (``option-fast-response.toml`` extends ``baseline.toml`` by
relative path) is written together with its parents, beside it, so the copy loads as it is.
Files are written atomically and never overwritten without ``--force``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from slasim.errors import InputError

__all__ = [
    "Example",
    "copy_example",
    "example_chain",
    "examples",
    "register",
    "scenarios_dir",
]

EXIT_OK = 0


def scenarios_dir() -> Path:
    """The folder of the reference scenarios.

    ``slasim/scenarios/`` in an installed wheel; the repository's ``scenarios/`` in a checkout
    or an editable install (the package is built from that folder).
    """
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "scenarios", package.parent / "scenarios"):
        if (candidate / "baseline.toml").is_file():
            return candidate
    raise RuntimeError(f"the reference scenarios are missing beside {package} (a broken install?)")


@dataclass(frozen=True)
class Example:
    """One reference scenario: its name (file stem), description and ``extends`` parent."""

    name: str
    description: str
    extends: str | None
    path: Path


def _read(path: Path) -> Example:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    extends = data.get("extends")
    return Example(
        name=path.stem,
        description=str(data.get("description", "")),
        extends=str(extends) if extends else None,
        path=path,
    )


def examples() -> list[Example]:
    """The reference scenarios, sorted by name."""
    return [_read(p) for p in sorted(scenarios_dir().glob("*.toml"))]


def _find(name: str) -> Example:
    known = {e.name: e for e in examples()}
    key = name.removesuffix(".toml")
    if key not in known:
        import difflib

        close = difflib.get_close_matches(key, list(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise InputError.single(
            "<cli>", "example",
            f"got {name!r}; expected one of {', '.join(sorted(known))} (slasim examples){hint}",
        )
    return known[key]


def example_chain(name: str) -> list[Example]:
    """The example ``name`` and the examples it extends, nearest first."""
    chain = [_find(name)]
    while chain[-1].extends is not None:
        parent = _read(chain[-1].path.parent / chain[-1].extends)
        if any(e.name == parent.name for e in chain):  # pragma: no cover - shipped files
            raise RuntimeError(f"cycle in extends of the reference scenario {name!r}")
        chain.append(parent)
    return chain


def _writable(path: Path, force: bool, text: str, *, same_ok: bool) -> bool:
    """Whether ``path`` must be written; raise when it exists and may not be replaced."""
    if path.is_dir():
        raise InputError.single("<cli>", str(path), "is a folder; expected a scenario file name")
    if not path.exists():
        if not path.parent.is_dir():
            raise InputError.single(
                "<cli>", str(path), f"folder {str(path.parent)!r} does not exist; create it first"
            )
        if not os.access(path.parent, os.W_OK):
            from slasim.outputs import _not_writable

            raise InputError.single("<cli>", str(path), _not_writable(path.parent))
        return True
    if same_ok and path.read_text(encoding="utf-8") == text:
        return False  # the same parent is there already
    if not force:
        raise InputError.single(
            "<cli>", str(path), "exists; slasim does not overwrite it (--force replaces it)"
        )
    return True


def write_new(path: Path, text: str, force: bool) -> None:
    """Write ``text`` to ``path`` atomically; an existing file only with ``force``."""
    from slasim.outputs import atomic_write_text

    _writable(path, force, text, same_ok=False)
    atomic_write_text(path, text)


def _data_files(path: Path) -> list[Path]:
    """The data files a reference scenario names (``team.roster``, ``trace.path``)."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    names = [data.get("team", {}).get("roster"), data.get("trace", {}).get("path")]
    return [path.parent / n for n in names if isinstance(n, str)]


def copy_example(name: str, target: str | Path, force: bool = False) -> list[Path]:
    """Write the example ``name`` to the file ``target`` and its ``extends`` parents beside it.

    Parents keep their own file names (the child refers to them by name), and so do the data
    files a scenario names (its roster or trace CSV); a parent or data file already there with
    the same text is left alone. Nothing is written unless everything can be.

    Returns
    -------
    list of Path
        The files written (the target first).
    """
    chain = example_chain(name)
    target = Path(target)
    plan = [(target, chain[0].path.read_text(encoding="utf-8"))]
    for parent in chain[1:]:
        path = target.parent / parent.path.name
        if path.resolve() == target.resolve():
            raise InputError.single(
                "<cli>", str(target),
                f"{chain[0].name!r} extends {parent.path.name!r}, which would be written to the "
                "same file; choose another file name",
            )
        plan.append((path, parent.path.read_text(encoding="utf-8")))
    for example in chain:
        for data in _data_files(example.path):
            # A roster or trace beside its scenario (the scenario names it relatively).
            plan.append((target.parent / data.relative_to(example.path.parent),
                         data.read_text(encoding="utf-8")))
    todo = [(path, text) for i, (path, text) in enumerate(plan)
            if _writable(path, force, text, same_ok=i > 0)]
    from slasim.outputs import atomic_write_text

    for path, text in todo:
        atomic_write_text(path, text)
    return [path for path, _ in todo]


# -- CLI --------------------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``examples`` and ``init`` to the ``slasim`` subcommands."""
    from slasim.scenario import template as init_template

    p = sub.add_parser("examples", help="list, show or copy the reference scenarios")
    p.set_defaults(func=_cmd_examples, action=None)
    actions = p.add_subparsers(dest="action", parser_class=type(p))
    q = actions.add_parser("show", help="print a reference scenario")
    q.add_argument("name", help="example name (slasim examples lists them)")
    q.set_defaults(func=_cmd_examples)
    q = actions.add_parser(
        "copy", help="write a reference scenario (and what it extends) to a folder"
    )
    q.add_argument("name", help="example name (slasim examples lists them)")
    q.add_argument("dir", nargs="?", default=".", help="folder to write to (default: here)")
    q.add_argument("--force", action="store_true", help="replace files that exist")
    q.set_defaults(func=_cmd_examples)

    p = sub.add_parser(
        "init",
        help="write a new commented scenario (from a few values, or a reference scenario)",
        description="Write a new scenario file: from a reference scenario (--from), or from a "
        "few values; on a terminal, values not given as flags are asked for. Without a "
        "terminal the defaults are used.",
    )
    p.add_argument("path", help="the scenario file to write, e.g. my-team.toml")
    p.add_argument("--from", dest="example", metavar="EXAMPLE",
                   help="copy this reference scenario (slasim examples lists them)")
    p.add_argument("--force", action="store_true", help="replace the file if it exists")
    p.add_argument("--no-input", action="store_true",
                   help="never ask: use the defaults for values not given as flags")
    init_template.add_arguments(p)
    p.set_defaults(func=_cmd_init)


def _cmd_examples(args: argparse.Namespace) -> int:
    if args.action is None:
        rows = examples()
        width = max(len(e.name) for e in rows)
        for e in rows:
            note = f" (extends {e.extends})" if e.extends else ""
            print(f"{e.name:<{width}}  {e.description}{note}")
        print("\nslasim init my.toml --from NAME   or   slasim examples copy NAME DIR",
              file=sys.stderr)
        return EXIT_OK
    if args.action == "show":
        sys.stdout.write(_find(args.name).path.read_text(encoding="utf-8"))
        return EXIT_OK
    folder = Path(args.dir)
    if not folder.exists():
        if not folder.parent.is_dir():
            raise InputError.single("<cli>", args.dir, "folder's parent does not exist")
        folder.mkdir()
    written = copy_example(args.name, folder / f"{_find(args.name).name}.toml", args.force)
    _report(written)
    return EXIT_OK


def _report(written: list[Path]) -> None:
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    if written:
        print(f"next: slasim check {written[0]}", file=sys.stderr)


def _cmd_init(args: argparse.Namespace) -> int:
    from slasim.scenario import template as init_template

    given = init_template.given(args)
    if args.example:
        if given:
            raise InputError.single(
                "<cli>", "--from",
                f"copies a reference scenario as it is; {', '.join(given)} cannot change it "
                "(drop --from to write a new scenario, or edit the copy)",
            )
        _report(copy_example(args.example, args.path, args.force))
        return EXIT_OK
    path = Path(args.path)
    text0 = ""
    _writable(path, args.force, text0, same_ok=False)  # fail before asking questions
    if not args.no_input and sys.stdin.isatty():
        init_template.ask(args)
    text = init_template.render(init_template.options(args))
    init_template.validate(text, str(path))
    write_new(path, text, args.force)
    _report([path])
    return EXIT_OK
