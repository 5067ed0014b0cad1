"""CRM exports: the format, a lossless import, calibration of a scenario, and an export writer.

- :mod:`slasim.crm.schema`: the CSV / DataFrame format (one row per lead) and ``--map``;
- :func:`read_crm`: import that loses nothing (:class:`CrmImport`: leads, rejected, summary);
- :class:`Calibrator`: estimates with 95 % intervals and a scenario overlay
  (``slasim calibrate``);
- :func:`read_calls` and :class:`QueueCalibrator`: the same for a call-level contact-centre
  export (arrivals, talk, wrap-up, patience, roster);
- :func:`export_leads`: simulated leads in the same format;
- :func:`export_calls`: simulated leads as a call-level export (one row per lead's first
  attempt: created, answered, ended, wrap-up end, abandoned, agent);
- :func:`read_olist`: the public Olist marketing-funnel files in this format;
- :func:`slasim.crm.commands.register`: the ``crm-check`` and ``calibrate`` subcommands.

Names are imported on first use, so that ``import slasim.crm`` (and the CLI) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slasim.crm.calibrate import Calibrator
    from slasim.crm.calls import CallImport, read_calls
    from slasim.crm.calls_export import export_calls
    from slasim.crm.export import export_leads, leads_frame
    from slasim.crm.importer import CrmImport, ImportSummary, read_crm
    from slasim.crm.olist import OLIST_SOURCE_TIERS, read_olist
    from slasim.crm.queuefit import QueueCalibrator

__all__ = [
    "OLIST_SOURCE_TIERS",
    "Calibrator",
    "CallImport",
    "CrmImport",
    "ImportSummary",
    "QueueCalibrator",
    "export_calls",
    "export_leads",
    "leads_frame",
    "read_calls",
    "read_crm",
    "read_olist",
]

_HOME = {
    "Calibrator": "slasim.crm.calibrate",
    "CallImport": "slasim.crm.calls",
    "read_calls": "slasim.crm.calls",
    "QueueCalibrator": "slasim.crm.queuefit",
    "export_calls": "slasim.crm.calls_export",
    "export_leads": "slasim.crm.export",
    "leads_frame": "slasim.crm.export",
    "CrmImport": "slasim.crm.importer",
    "ImportSummary": "slasim.crm.importer",
    "read_crm": "slasim.crm.importer",
    "OLIST_SOURCE_TIERS": "slasim.crm.olist",
    "read_olist": "slasim.crm.olist",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'slasim.crm' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name]), name)
