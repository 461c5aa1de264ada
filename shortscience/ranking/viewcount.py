"""Paper page views, counted cheaply: in memory per process, written in batches.

A page view only increments a `collections.Counter` in this process. The counts go to the
database (`DailyViews`, one row per paper per day) in one UPSERT statement per batch of
papers, when VIEW_COUNT_FLUSH_VIEWS views have piled up or VIEW_COUNT_FLUSH_SECONDS have
passed since the last flush (checked on the next view), and whenever `update_rankings` runs
in the process. Never a write per request.

The trade-off accepted: a process that dies loses at most one batch of counts, and a quiet
process keeps its last views until its next visitor. View counts feed a ranking term on a
log scale, where a few lost views change nothing anyone can see.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

_lock = threading.Lock()
_pending: Counter[int] = Counter()
_last_flush = time.monotonic()


def record_view(paper_id: int) -> None:
    """Count one view of a paper page; writes only when a batch is due."""
    global _last_flush
    with _lock:
        _pending[paper_id] += 1
        due = (
            _pending.total() >= settings.VIEW_COUNT_FLUSH_VIEWS
            or time.monotonic() - _last_flush >= settings.VIEW_COUNT_FLUSH_SECONDS
        )
    if due:
        flush()


def pending() -> dict[int, int]:
    """The counts not yet written (for tests and the command's report)."""
    with _lock:
        return dict(_pending)


def reset() -> None:
    """Forget the unwritten counts (tests)."""
    global _last_flush
    with _lock:
        _pending.clear()
        _last_flush = time.monotonic()


def flush() -> int:
    """Add this process's counts to today's DailyViews rows; returns how many views it wrote.

    One `INSERT ... ON CONFLICT (paper, day) DO UPDATE SET count = count + excluded.count`
    per 500 papers (SQLite 3.24+ and PostgreSQL alike): the addition happens in the
    database, so two processes flushing at once both land, which a read-then-write or
    `bulk_create(update_conflicts=True)` (that overwrites the count) would not promise.
    """
    global _last_flush
    with _lock:
        counts = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    if not counts:
        return 0
    from shortscience.papers.models import Paper
    from shortscience.ranking.models import DailyViews

    today = timezone.localdate()
    with transaction.atomic():
        # A paper deleted since its view was counted has no row to count against.
        existing = set(Paper.objects.filter(pk__in=counts).values_list("pk", flat=True))
        rows = [(pk, today, n) for pk, n in sorted(counts.items()) if pk in existing]
        quote = connection.ops.quote_name
        table = quote(DailyViews._meta.db_table)
        paper, day, count = (
            quote(DailyViews._meta.get_field(f).column) for f in ("paper", "day", "count")
        )
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 500):
                batch = rows[start : start + 500]
                values = ", ".join(["(%s, %s, %s)"] * len(batch))
                cursor.execute(
                    f"INSERT INTO {table} ({paper}, {day}, {count}) VALUES {values} "
                    f"ON CONFLICT ({paper}, {day}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}",
                    [
                        v
                        for row in batch
                        for v in (row[0], connection.ops.adapt_datefield_value(row[1]), row[2])
                    ],
                )
    return sum(n for _, _, n in rows)


def views_today(paper_ids) -> dict[int, int]:
    """Today's written view counts of these papers, in one query."""
    from shortscience.ranking.models import DailyViews

    return dict(
        DailyViews.objects.filter(
            paper_id__in=list(paper_ids), day=timezone.localdate()
        ).values_list("paper_id", "count")
    )
