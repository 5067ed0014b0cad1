"""The SLA report: agreement text and simulation evidence as HTML and Markdown (en, sv)."""

from __future__ import annotations

__all__: list[str] = []
