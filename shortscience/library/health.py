"""The arXiv harvest's part in /healthz?full=1 (web/health.py): when it last ran, for an
operator to see; a site that does not harvest is not down for it."""

from __future__ import annotations

from datetime import date

from shortscience.papers.models import ImportCheckpoint
from shortscience.web import health


@health.check("harvest")
def harvest() -> tuple[bool, str]:
    rows = ImportCheckpoint.objects.filter(key__startswith="harvest-arxiv:").values_list(
        "key", "position"
    )
    done = [f"{key.split(':', 1)[1]} up to {date.fromordinal(pos)}" for key, pos in rows if pos]
    return True, "; ".join(done) if done else "never run"
