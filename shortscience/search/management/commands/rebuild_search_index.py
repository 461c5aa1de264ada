"""Build the full-text index of papers: the new ones a bulk import left (default), or all
(with --all, the summaries' index too). SQLite FTS5 or PostgreSQL tsvectors, by the database.

Works through paper ids in ranges, each range and the checkpoint committed together, so an
interrupted run resumes where it stopped.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Max

from shortscience.lib import sqlite_bulk
from shortscience.lib.progress import Progress
from shortscience.papers import search_index
from shortscience.papers.models import ImportCheckpoint, Paper
from shortscience.web import changes


class Command(BaseCommand):
    help = "Index papers for full-text search (SQLite FTS5 or PostgreSQL), resumably."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="drop the index and build it again from the start"
        )
        # FTS5 writes each transaction's terms as a new index segment and merges segments
        # as they pile up: 25,000 papers per transaction ran the 300k-paper pass in 12 s
        # against 17 s with 5,000 (bench/import_arxiv.py); the memory held is a few MB.
        parser.add_argument(
            "--batch-size", type=int, default=25000, help="paper ids per transaction"
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=min(4, os.cpu_count() or 1),
            help="ranges indexed at once on PostgreSQL, each by a connection of its own "
            "(default: the machine's cores, at most 4; SQLite has one writer)",
        )

    def handle(self, *args, all: bool = False, batch_size: int = 25000, jobs: int = 1, **options):
        if not search_index.supported():
            self.stdout.write(f"No full-text index on {connection.vendor}; nothing to build.")
            return
        if all:
            from shortscience.summaries import search_index as summary_index

            with transaction.atomic():
                search_index.clear()
                ImportCheckpoint.objects.filter(key=search_index.CHECKPOINT).delete()
                summaries = summary_index.rebuild()
            self.stdout.write(f"Indexed {summaries:,} public summaries.")
        done = (
            ImportCheckpoint.objects.filter(key=search_index.CHECKPOINT)
            .values_list("position", flat=True)
            .first()
            or 0
        )
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                sqlite_bulk.tune(cursor)
        top = Paper.objects.aggregate(top=Max("id"))["top"] or 0
        if done == 0 and top > 0:
            # PostgreSQL: a build from the start fills the table without its GIN indexes
            # and builds them once at the end (searches meanwhile scan the table).
            search_index.drop_pg_indexes()
        progress = Progress(
            Paper.objects.filter(id__gt=done).count(), "search index: ", out=self.stderr
        )
        ranges = []
        while done < top:
            end = min(done + max(1, batch_size), top)
            ranges.append((done, end))
            done = end
        indexed = 0
        for count in self._index(ranges, jobs):
            indexed += count
            progress.advance(count)
        progress.finish()
        indexed += search_index.index_strays()
        search_index.ensure_pg_indexes()
        if indexed or all:
            changes.changed(lists=[changes.PAPERS, changes.SUMMARIES])  # search results
        self.stdout.write(f"Indexed {indexed:,} papers.")

    def _index(self, ranges: list[tuple[int, int]], jobs: int):
        """The papers indexed in each range, in order. On PostgreSQL the ranges go to
        `jobs` connections at once: the work (to_tsvector of every abstract, ~90 us each) is
        the server's, one process per connection, so it spreads over the machine's cores;
        each range commits on its own connection, and the caller moves the checkpoint in
        order behind them. Elsewhere, or inside a caller's transaction (whose rows other
        connections cannot see), one range after the other, each committed with the
        checkpoint."""
        if jobs > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block:
            pool = ThreadPoolExecutor(jobs, thread_name_prefix="index")
            try:
                counts = pool.map(
                    lambda bounds: search_index.on_own_connection(_index_range, *bounds), ranges
                )
                for (_, end), count in zip(ranges, counts, strict=True):
                    # In order: the checkpoint is never past a range not yet committed.
                    _checkpoint(end)
                    yield count
            finally:
                # Interrupted: the ranges under way finish (or roll back), no new one starts.
                pool.shutdown(wait=True, cancel_futures=True)
            return
        for after, end in ranges:
            with transaction.atomic():
                count = search_index.index_range(after, end)
                _checkpoint(end)
            yield count


def _checkpoint(position: int) -> None:
    ImportCheckpoint.objects.update_or_create(
        key=search_index.CHECKPOINT, defaults={"position": position}
    )


def _index_range(after: int, end: int) -> int:
    with transaction.atomic():
        return search_index.index_range(after, end)
