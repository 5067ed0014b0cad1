"""The package layout: one concept per folder, data flowing one way, small modules.

Imports are read from the source (``ast``), so a function-level (lazy) import counts as much as
one at the top of a module; an import under ``if TYPE_CHECKING:`` does not (it never runs). A
string naming a slasim module (``"slasim.measure.experiment"``, as the lazy re-exports hold it)
counts as an import of that module.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "slasim"

# What each folder may import besides itself and the foundation modules. The single source of
# the architecture: each folder's __init__ docstring says the same ("May import: ..."), which
# test_folder_docstrings_state_the_allowed_imports checks.
ALLOWED: dict[str, frozenset[str]] = {
    "analytic": frozenset(),
    "model": frozenset(),
    "scenario": frozenset({"model"}),
    "engine": frozenset({"model", "scenario"}),
    "measure": frozenset({"model", "scenario", "engine"}),
    "planning": frozenset({"analytic", "model", "scenario", "engine", "measure"}),
    "crm": frozenset({"analytic", "model", "scenario", "engine", "measure"}),
    "render": frozenset(
        {"analytic", "model", "scenario", "engine", "measure", "planning", "crm"}
    ),
    "optimizer": frozenset(
        {"analytic", "model", "scenario", "engine", "measure", "planning", "crm", "render"}
    ),
}
# Top-level modules above every folder: the public API and the command line's entry.
FACADES = frozenset({"slasim", "slasim.__main__", "slasim.results"})
# Modules that are data tables (text per language), not logic: exempt from the size limit.
DATA_TABLES = frozenset({"slasim.render.i18n"})
MAX_LINES = 500

_MODULE_STRING = re.compile(r"slasim(\.[A-Za-z_][A-Za-z0-9_]*)+")


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below ``node`` except the bodies of ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from _runtime_nodes(other)
            continue
        yield child
        yield from _runtime_nodes(child)


def _resolve(name: str) -> str | None:
    """The slasim module a dotted name refers to (a module, or a name inside one)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str) -> set[str]:
    """The slasim modules ``module`` imports when it runs (lazy imports included)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _MODULE_STRING.fullmatch(node.value):
                names = [node.value]
        for name in names:
            if name == "slasim.__version__":  # package metadata, set before anything imports
                continue
            target = _resolve(name) if name.startswith("slasim") else None
            if target is not None and target != module:
                found.add(target)
    return found


IMPORTS = {module: _imports(module) for module in MODULES}


def _folder(module: str) -> str | None:
    """The folder a module belongs to; None for the foundation and the facades."""
    parts = module.split(".")
    if len(parts) >= 2 and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return None


def _is_foundation(module: str) -> bool:
    return _folder(module) is None and module not in FACADES


def test_every_folder_is_a_known_concept() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == {*ALLOWED, "cli"}


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _is_foundation(m)))
def test_foundation_modules_import_only_the_foundation(module: str) -> None:
    bad = sorted(t for t in IMPORTS[module] if not _is_foundation(t))
    assert not bad, f"{module} (a foundation module) imports {bad}"


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_folders_import_only_what_they_may(folder: str) -> None:
    allowed = ALLOWED[folder] | {folder}
    bad = sorted(
        f"{module} -> {target}"
        for module, targets in IMPORTS.items()
        if _folder(module) == folder
        for target in targets
        if not _is_foundation(target) and _folder(target) not in allowed
    )
    assert not bad, f"imports against the layering of {folder}/:\n" + "\n".join(bad)


def test_crm_import_does_not_depend_on_calibration_or_tracking() -> None:
    bad = sorted(
        f"{module} -> {target}"
        for module, targets in IMPORTS.items()
        if module.startswith("slasim.crm.io")
        for target in targets
        if target.startswith(("slasim.crm.calibrate", "slasim.crm.track"))
    )
    assert not bad, "\n".join(bad)


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm).

    A package's ``__init__`` is left out of the graph: Python imports it before any of its
    modules anyway, and its lazy re-exports point down into them by design.
    """
    graph = {
        m: sorted(t for t in targets if MODULES[t].name != "__init__.py")
        for m, targets in IMPORTS.items()
        if MODULES[m].name != "__init__.py"
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_no_import_cycle() -> None:
    assert _cycles() == []


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_folder_docstrings_state_the_allowed_imports(folder: str) -> None:
    doc = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text()))
    assert doc, f"slasim/{folder}/__init__.py has no docstring"
    assert "May import:" in doc, f"slasim/{folder}/__init__.py does not say what it may import"
    stated = doc.split("May import:", 1)[1]
    named = set(re.findall(r"``slasim\.([a-z_]+)``", stated)) - {"errors", "limits", "outputs"}
    assert named == set(ALLOWED[folder]), (folder, sorted(named))


def test_cli_docstring_states_it_may_import_everything() -> None:
    doc = ast.get_docstring(ast.parse((PACKAGE / "cli" / "__init__.py").read_text()))
    assert doc and "May import: every other folder" in doc


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m not in DATA_TABLES))
def test_modules_are_small(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module]} has {lines} lines (at most {MAX_LINES})"


def test_the_import_reader_sees_lazy_imports_and_skips_type_checking() -> None:
    # The checks above are only as good as _imports: it must see a function-level import and
    # a module named in a string, and ignore what only the type checker reads.
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from slasim.render.page import Page\n"
        "def f():\n    from slasim.engine import routing\n"
        "LAZY = {'x': 'slasim.measure.experiment'}\n"
    )
    tree = ast.parse(source)
    seen = {
        n.module if isinstance(n, ast.ImportFrom) else getattr(n, "value", None)
        for n in _runtime_nodes(tree)
        if isinstance(n, ast.ImportFrom | ast.Constant)
    }
    assert "slasim.engine" in seen and "slasim.measure.experiment" in seen
    assert "slasim.render.page" not in seen
