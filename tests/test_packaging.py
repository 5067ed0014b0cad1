"""Release hygiene: the wheel stands alone, the lock matches pyproject, one version.

``test_wheel_works_outside_the_repository`` builds the sdist and wheel, installs the wheel into
a fresh virtual environment outside the repository and uses it there as an analyst would
(about 1-2 minutes; it needs the package index for the build backend and the dependencies,
and skips, saying so, only when the index cannot be reached).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import slasim

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = ROOT / "requirements-dev.lock"


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", line)
        if m:
            pins[canonicalize_name(m[1])] = m[2]
    return pins


def test_the_lock_pins_every_runtime_and_dev_requirement_inside_its_range() -> None:
    """`make lock` was run after the last change of pyproject's dependencies."""
    pins = _pins()
    project = PYPROJECT["project"]
    for text in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in {LOCK.name}: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{LOCK.name} pins {req.name}=={pins[name]}, outside {req.specifier}: run `make lock`"
        )
    text = LOCK.read_text(encoding="utf-8")
    assert "--hash=sha256:" in text
    for tool in ("nbmake", "ipykernel"):  # make test runs the notebooks
        assert tool in pins


def test_every_subpackage_is_listed_in_pyproject() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "slasim").rglob("__init__.py")
    }
    assert found <= listed, f"add {sorted(found - listed)} to [tool.setuptools] packages"
    assert PYPROJECT["tool"]["setuptools"]["package-dir"]["slasim.scenarios"] == "scenarios"


def test_one_version_and_a_changelog_entry_for_it() -> None:
    from importlib.metadata import version

    assert "version" in PYPROJECT["project"]["dynamic"]
    assert version("slasim") == slasim.__version__
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{slasim.__version__}]" in changelog
    assert "## [Unreleased]" in changelog


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSAFEPATH")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _index_problem(tmp: Path) -> str | None:
    """Why the package index cannot be used (None when it can): the build backend as a probe."""
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(tmp),
         "setuptools>=77"],
        capture_output=True, text=True, timeout=300, env=_clean_env(), check=False,
    )
    if probe.returncode == 0:
        return None
    lines = [line for line in probe.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else f"pip download exited {probe.returncode}"


def _run(argv: list[str], cwd: Path, timeout: float = 600) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=_clean_env(), check=False)
    assert done.returncode == 0, (
        f"{' '.join(argv)} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout + done.stderr


@pytest.mark.network
def test_wheel_works_outside_the_repository(tmp_path: Path) -> None:
    problem = _index_problem(tmp_path / "probe")
    if problem is not None:
        pytest.skip(f"package index unreachable, cannot build and install the wheel: {problem}")
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], cwd=tmp_path)
    wheel = next(dist.glob("slasim-*.whl"))
    sdist = next(dist.glob("slasim-*.tar.gz"))
    assert wheel.name.startswith(f"slasim-{slasim.__version__}-")

    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for example in [*(ROOT / "scenarios").glob("*.toml"), *(ROOT / "scenarios").glob("*.csv")]:
        assert f"slasim/scenarios/{example.name}" in names  # rosters too: scenarios name them
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    with tarfile.open(sdist) as tf:
        members = {m.split("/", 1)[1] for m in tf.getnames() if "/" in m}
    assert {"LICENSE", "CHANGELOG.md", "scenarios/baseline.toml", "pyproject.toml"} <= members

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    _run([str(bindir / "python"), "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path)

    work = tmp_path / "analyst"
    work.mkdir()
    cli = str(bindir / "slasim")
    assert slasim.__version__ in _run([cli, "--version"], cwd=work)
    assert slasim.__version__ in _run([str(bindir / "python"), "-m", "slasim", "--version"],
                                      cwd=work)
    where = _run([str(bindir / "python"), "-c", "import slasim; print(slasim.__file__)"], cwd=work)
    assert str(venv) in where and str(ROOT) not in where  # the wheel, not the checkout
    assert "baseline" in _run([cli, "examples"], cwd=work)
    _run([cli, "init", "team.toml", "--from", "baseline"], cwd=work)
    assert (work / "team.toml").read_text(encoding="utf-8") == (
        ROOT / "scenarios" / "baseline.toml"
    ).read_text(encoding="utf-8")
    _run([cli, "examples", "copy", "option-fast-response", "options"], cwd=work)
    _run([cli, "check", "team.toml"], cwd=work)
    _run([cli, "check", "options/option-fast-response.toml", "--no-simulate"], cwd=work)
    out = _run([cli, "run", "team.toml", "--reps", "3", "--quiet"], cwd=work)
    assert "P(term met)" in out
    _run([cli, "init", "new.toml", "--sellers", "4", "--leads-per-month", "600"], cwd=work)
    _run([cli, "check", "new.toml", "--no-simulate"], cwd=work)
