"""The SLA report: agreement text and simulation evidence as HTML and Markdown (en, sv).

:func:`build_report` builds it (also ``slasim.build_report``); :class:`Report` is what it
returns. Both are imported on first use, so that importing a module of this folder stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slasim._lazy import lazy_exports

__all__ = ["Report", "build_report"]

if TYPE_CHECKING:
    from slasim.render.report.build import Report, build_report

__getattr__, __dir__ = lazy_exports(
    __name__,
    {"Report": "slasim.render.report.build", "build_report": "slasim.render.report.build"},
)
