"""Lazy re-exports: a package names what it exports, and each name is imported on first use.

Used by ``slasim``, ``slasim.crm`` and ``slasim.optimizer`` so that importing them (and the CLI's
start-up) loads neither the engine nor pandas nor scipy (PEP 562 module ``__getattr__``).

The homes are full module names (``"slasim.measure.experiment"``), not relative ones: the
layout test reads such strings as imports, so a lazy export is checked against the layering
like any other import.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["Home", "lazy_exports"]


#: Where an exported name lives: its module, or ``(module, name there)`` for an alias.
Home = str | tuple[str, str]


def lazy_exports(
    module_name: str, homes: Mapping[str, Home]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for module ``module_name`` exporting ``homes``' names.

    ``homes`` maps each exported name to the module that defines it, to ``(module, name)``
    when it is exported under another name (``check`` for ``check_scenario``), or to the
    submodule ``module_name.name`` itself (then the submodule is the value). Each access
    imports the home (a dictionary look-up once imported); nothing is cached in the module,
    so a test that patches the home module's name sees the patch through the re-export too.
    ``__dir__`` lists the module's own names and the lazy ones.
    """
    homes = dict(homes)

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        path, attr = home if isinstance(home, tuple) else (home, name)
        module = importlib.import_module(path)
        return module if path == f"{module_name}.{name}" else getattr(module, attr)

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[module_name])) | set(homes))

    return __getattr__, __dir__
