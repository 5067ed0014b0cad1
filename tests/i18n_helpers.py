"""What the Swedish-page checks (report, track dashboard) accept as the same in both languages."""

from __future__ import annotations

#: Words Swedish uses as they are, and the report's subtitle: fields and punctuation only (its
#: words come translated in {runs}).
SAME_IN_BOTH = {"leads", "SQL", "CRM", "{scenario} · {start} – {end} · {runs}"}
