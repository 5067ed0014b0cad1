"""CRM exports: the format, a lossless import, calibration of a scenario, and an export writer.

- :mod:`slasim.crm.io.schema`: the CSV / DataFrame format (one row per lead) and ``--map``;
- :func:`read_crm`: import that loses nothing (:class:`CrmImport`: leads, rejected, summary);
- :class:`Calibrator`: estimates with 95 % intervals and a scenario overlay
  (``slasim calibrate``);
- :func:`read_calls` and :class:`QueueCalibrator`: the same for a call-level contact-centre
  export (arrivals, talk, wrap-up, patience, roster);
- :func:`export_leads`: simulated leads in the same format;
- :func:`export_calls`: simulated leads as a call-level export (one row per lead's first
  attempt: created, answered, ended, wrap-up end, abandoned, agent);
- :func:`read_olist`: the public Olist marketing-funnel files in this format;
- :func:`slasim.cli.crm.register`: the ``crm-check`` and ``calibrate`` subcommands.

Names are imported on first use, so that ``import slasim.crm`` (and the CLI) stays cheap.

May import: ``slasim.analytic``, ``slasim.engine``, ``slasim.measure``, ``slasim.model``,
``slasim.scenario`` and the foundation modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slasim._lazy import lazy_exports

if TYPE_CHECKING:
    from slasim.crm.calibrate.calibrator import Calibrator
    from slasim.crm.calibrate.queuefit import QueueCalibrator
    from slasim.crm.io.calls import CallImport, read_calls
    from slasim.crm.io.calls_export import export_calls
    from slasim.crm.io.export import export_leads, leads_frame
    from slasim.crm.io.imported import CrmImport, ImportSummary
    from slasim.crm.io.importer import read_crm
    from slasim.crm.io.olist import OLIST_SOURCE_TIERS, read_olist

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
    "Calibrator": "slasim.crm.calibrate.calibrator",
    "CallImport": "slasim.crm.io.calls",
    "read_calls": "slasim.crm.io.calls",
    "QueueCalibrator": "slasim.crm.calibrate.queuefit",
    "export_calls": "slasim.crm.io.calls_export",
    "export_leads": "slasim.crm.io.export",
    "leads_frame": "slasim.crm.io.export",
    "CrmImport": "slasim.crm.io.imported",
    "ImportSummary": "slasim.crm.io.imported",
    "read_crm": "slasim.crm.io.importer",
    "OLIST_SOURCE_TIERS": "slasim.crm.io.olist",
    "read_olist": "slasim.crm.io.olist",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOME)
