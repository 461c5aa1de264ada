"""The read side of discovery: which papers, venues and members a public surface may list.

Papers and venues are listed by the papers' own public summary numbers
(`PaperQuerySet.summarised()`, kept by summaries.models.refresh_paper_stats()) and summaries
are read through `Summary.objects.public()`, so private and moderator-hidden summaries never
count, never show and never make a page indexable.
"""

from __future__ import annotations

from django.core.paginator import Page
from django.db import connection
from django.db.models import Max, OuterRef, Prefetch, QuerySet, Subquery, Sum

from shortscience.papers.models import Paper, PaperAuthor, Venue
from shortscience.summaries.models import Summary
from shortscience.web.paging import CappedPaginator

PAGE_SIZE = 25


def author_path(author) -> str:
    return author.get_absolute_url()


def summarised_venues() -> QuerySet[Venue]:
    """Venues with a public summary, with their public_summary_count and last_summary, from
    their summarised papers' own numbers (one filter(), so the sums read the same join)."""
    return (
        Venue.objects.filter(papers__last_summary__isnull=False, papers__merged_into__isnull=True)
        .annotate(
            public_summary_count=Sum("papers__public_summary_count"),
            last_summary=Max("papers__last_summary"),
        )
        .order_by("name", "pk")
    )


def summarised_years(venue: Venue) -> list[int]:
    """The years of a venue's papers with a public summary, newest first: its year tabs.

    A loose index scan: one probe of the (venue, year) index per year, each for the largest
    year below the last. DISTINCT read every summarised paper of the venue instead: 80 ms
    for one of a million papers on PostgreSQL, more before the statistics caught up."""
    table = Paper._meta.db_table
    # PaperQuerySet.summarised(), spelled as the partial index's condition.
    where = "venue_id = %s AND last_summary IS NOT NULL AND merged_into_id IS NULL"
    sql = (
        f"WITH RECURSIVE years(year) AS (SELECT max(year) FROM {table} WHERE {where} "
        f"UNION ALL SELECT (SELECT max(year) FROM {table} WHERE {where} AND year < years.year) "
        "FROM years WHERE years.year IS NOT NULL) "
        "SELECT year FROM years WHERE year IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [venue.pk, venue.pk])
        return [year for (year,) in cursor.fetchall()]


def _best_summary_id() -> Subquery:
    # The best public summary: highest Wilson score, then the newest; pk breaks exact ties
    # so the choice is stable from one request to the next.
    best = (
        Summary.objects.public()
        .filter(paper=OuterRef("pk"))
        .order_by("-wilson", "-edited", "-pk")
        .values("pk")[:1]
    )
    return Subquery(best)


def paper_page(papers: QuerySet[Paper], number: str | None) -> Page:
    """One page of papers for a list, each with `.best_summary` (or None), in four queries
    whatever the page size: count, papers (with the best summary's id), authors, summaries."""
    counted = papers
    papers = (
        papers.annotate(best_summary_id=_best_summary_id())
        .defer("abstract", "abstract_html", "metadata", "links")  # lists show neither
        .select_related("venue")
        .prefetch_related(
            Prefetch("authorships", queryset=PaperAuthor.objects.select_related("author"))
        )
    )
    page = CappedPaginator(papers, PAGE_SIZE, counted=counted).get_page(number)
    ids = [p.best_summary_id for p in page if p.best_summary_id]
    # The whole text is the search index's; a list shows the excerpt.
    best = Summary.objects.select_related("user").defer("body_text").in_bulk(ids) if ids else {}
    for paper in page:
        paper.best_summary = best.get(paper.best_summary_id)
    # A list without a single public summary is not worth a search engine's visit.
    page.indexable = bool(best)
    return page
