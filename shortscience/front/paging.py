"""A paginator that counts at most COUNT_CAP rows.

An exact COUNT(*) over every public summary (or every paper of a year) reads each matching
row: ~90 ms at 100,000 summaries on SQLite, on every uncached view of a list. Past the cap the
list says "10,000+" and offers pages up to it; nobody pages further than that by hand.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000


def page_number(raw: str | None) -> int:
    """A ?page= value as a page number: 1 for anything that is not a positive integer."""
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


class CappedPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        return self.object_list[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP
