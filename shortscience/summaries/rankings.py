"""Ranking upkeep for the home tabs: what `manage.py update_rankings` does.

Why the work is split between write time and this job: a vote changes a summary's score,
so `cast_vote` rewrites its `hot` in the vote's own transaction and the Popular tab is
right at once. Age needs no job at all: the age term grows with the creation time (newer
summaries start higher) instead of older ones decaying, so a stored key never goes stale
by itself. Views are the one input that moves without a write to the summary: they are
counted in memory (ranking/viewcount.py) and folded into `hot` here, every few minutes, for
only the papers viewed today or yesterday (yesterday's, to drop back to zero views).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from shortscience.lib.progress import Progress
from shortscience.papers.models import Paper
from shortscience.ranking import scores as ranking
from shortscience.ranking import viewcount
from shortscience.ranking.models import DailyViews
from shortscience.summaries.models import Summary
from shortscience.web import changes

BATCH = 500
# Closer than this is the same key (4.5 seconds of age): a summary's first `hot` is computed
# a moment before the database stamps `created`, and rewriting it for that is wasted work.
SAME_HOT = 1e-4


def refresh_rankings(*, everything: bool = False, progress: Progress | None = None) -> int:
    """Write this process's pending view counts, then recompute `hot` (and, with
    `everything`, the research `fields`) of the summaries whose keys may have moved; returns
    how many summaries changed."""
    viewcount.flush()
    today = timezone.localdate()
    summaries = Summary.objects.all()
    if not everything:
        viewed = DailyViews.objects.filter(day__gte=today - timedelta(days=1)).values("paper_id")
        summaries = summaries.filter(paper_id__in=viewed)
    ids = list(summaries.order_by("pk").values_list("pk", flat=True))
    if progress is not None:
        progress.total = len(ids)
    views = dict(DailyViews.objects.filter(day=today).values_list("paper_id", "count"))
    changed = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        # Locked, as cast_vote locks the row it votes on: a vote cast meanwhile cannot be
        # overwritten by a `hot` computed from the counts read before it.
        with transaction.atomic():
            rows = list(
                Summary.objects.select_for_update()
                .filter(pk__in=chunk)
                .only("paper", "upvotes", "downvotes", "created", "hot", "fields")
            )
            categories = _categories_of({s.paper_id for s in rows}) if everything else {}
            dirty = []
            for summary in rows:
                hot = summary.compute_hot(
                    summary.upvotes - summary.downvotes, views.get(summary.paper_id, 0)
                )
                fields = (
                    ranking.fields_tag(categories.get(summary.paper_id, ()))
                    if everything
                    else summary.fields
                )
                if abs(hot - summary.hot) > SAME_HOT or fields != summary.fields:
                    summary.hot, summary.fields = hot, fields
                    dirty.append(summary)
            Summary.objects.bulk_update(dirty, ["hot", "fields"])
            if dirty:
                # The home tabs' order and field filter; no page shows the keys themselves.
                changes.changed(lists=[changes.SUMMARIES])
        changed += len(dirty)
        if progress is not None:
            progress.advance(len(chunk))
    if progress is not None:
        progress.finish()
    return changed


def _categories_of(paper_ids: set[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    through = Paper.keywords.through.objects.filter(paper_id__in=paper_ids)
    for paper_id, name in through.values_list("paper_id", "keyword__name"):
        found.setdefault(paper_id, []).append(name)
    return found
