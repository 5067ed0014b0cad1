"""The public API: ``slasim``'s names, the results facade, and a cheap ``import slasim``."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

import slasim
import slasim.results
from slasim._lazy import lazy_exports

PUBLIC = [
    "Calibrator",
    "Scenario",
    "__version__",
    "build_report",
    "check",
    "compare",
    "load_scenario",
    "optimize",
    "plan",
    "read_crm",
    "results",
    "simulate",
    "sweep",
    "track",
]


def test_all_is_sorted_and_exactly_the_public_api() -> None:
    assert slasim.__all__ == sorted(slasim.__all__)
    assert slasim.__all__ == PUBLIC
    assert slasim.results.__all__ == sorted(slasim.results.__all__)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_resolves(name: str) -> None:
    value = getattr(slasim, name)
    assert value is not None
    assert name in dir(slasim)
    if name == "results":
        assert value is slasim.results
    elif name == "Calibrator" or name == "Scenario":
        assert inspect.isclass(value)
    elif name != "__version__":
        assert callable(value)


def test_aliases_are_the_functions_they_name() -> None:
    from slasim.planning.check import check_scenario
    from slasim.planning.plan import plan_scenario

    assert slasim.check is check_scenario
    # The function stays the function once its subpackage (slasim.optimizer) is imported: the
    # subpackage has another name, so importing it cannot replace the attribute.
    from slasim.optimizer.core import optimize

    assert slasim.optimize is optimize
    assert inspect.ismodule(sys.modules["slasim.optimizer"])
    assert slasim.plan is plan_scenario


@pytest.mark.parametrize("name", slasim.results.__all__)
def test_every_result_class_resolves(name: str) -> None:
    assert inspect.isclass(getattr(slasim.results, name))
    assert name in dir(slasim.results)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        slasim.nope  # noqa: B018
    with pytest.raises(AttributeError):
        slasim.results.nope  # noqa: B018
    assert not hasattr(slasim, "optimize_function")


def test_lazy_exports_on_a_fresh_module() -> None:
    module = types.ModuleType("slasim_probe")
    sys.modules["slasim_probe"] = module
    try:
        get, listing = lazy_exports(
            "slasim_probe", {"sqrt": "math", "root": ("math", "sqrt"), "e": "math"}
        )
        import math

        assert get("sqrt") is math.sqrt and get("root") is math.sqrt
        assert {"sqrt", "root", "e"} <= set(listing())
        with pytest.raises(AttributeError):
            get("pi")
    finally:
        del sys.modules["slasim_probe"]


_PROBE = """
import json, sys
import slasim
import slasim.results
import slasim.crm
import slasim.optimizer
print(json.dumps(sorted(sys.modules)))
"""


def test_import_slasim_loads_neither_pandas_nor_scipy() -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], check=True, timeout=120)
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert not loaded & {"pandas", "scipy", "numpy", "matplotlib", "simpy", "pydantic"}
    assert "slasim.measure" not in json.loads(done.stdout)
