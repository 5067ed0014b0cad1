"""The environment a benchmark gives the commands it times: the user's, as far as it can tell.

Some sandboxes and CI images set ``PYTHONDONTWRITEBYTECODE=1``; every fresh interpreter then
compiles slasim's ~90 modules from source again (~0.1 s a process, in each worker too), which
a user's installation does once. The timed commands run without it (the first run writes the
bytecode; the tables give the best of several runs).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["user_env"]


def user_env(pythonpath: Path | None = None) -> dict[str, str]:
    """``os.environ`` without ``PYTHONDONTWRITEBYTECODE``; ``PYTHONPATH`` set when given."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return env
