"""Cursor paging, one way for every list of the API: `{"data": [...], "next_cursor": ...}`,
the cursor being the last row's id, never an offset (a page deep in a table costs what the
first does)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

LAST_ID = 2**63 - 1  # a cursor past any row: larger numbers overflow the database's integer


def cursor_page(
    rows: QuerySet, cursor: int, make: Callable, size: int, *, newest_first: bool = False
) -> dict:
    """`size` rows after the one whose id is `cursor` (0: from the start), each made into its
    record by `make`; pass next_cursor back as cursor for the next page."""
    if newest_first:
        if cursor > 0:
            rows = rows.filter(pk__lt=min(cursor, LAST_ID))
        rows = rows.order_by("-pk")
    else:
        rows = rows.filter(pk__gt=min(max(cursor, 0), LAST_ID)).order_by("pk")
    found = list(rows[: size + 1])
    more = len(found) > size
    found = found[:size]
    return {"data": [make(r) for r in found], "next_cursor": str(found[-1].pk) if more else None}
