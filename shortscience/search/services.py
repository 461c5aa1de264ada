"""Search: one box over papers and public summaries, the same API on both engines.

    results = search("graph neural author:kipf", page=1)
    results.redirect_to  # a paper's URL when the box held an identifier we know
    results.hits         # this page's Hit(paper, title_html, snippet_html, summary, ...)

The engine module (search/sqlite.py or search/postgres.py, by the database in use) returns
a bounded set of candidates with scores; this module merges paper and summary matches,
orders and pages them, and loads one page of papers, authors and summaries in a fixed
number of queries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, F, Prefetch, TextField, Value, When

from shortscience.lib import markup
from shortscience.papers.models import Paper, PaperAuthor
from shortscience.search import highlight as hl
from shortscience.search.query import Query, parse
from shortscience.summaries.models import Summary

PER_PAGE = 20
# How many matches each index query takes and ranks (see search/sqlite.py for why), and so
# where counts stop: "1,000+ results".
CANDIDATES = 1000
# A paper found only through a summary's words ranks below one whose own text matches.
SUMMARY_WEIGHT = 0.3
SNIPPET_WORDS = 40


def engine():
    if connection.vendor == "postgresql":
        from shortscience.search import postgres

        return postgres
    from shortscience.search import sqlite

    return sqlite


@dataclass
class Hit:
    paper: Paper
    score: float
    title_html: str
    snippet_html: str
    authors: list[str]
    summary: Summary | None = None
    summary_snippet_html: str = ""


@dataclass
class Results:
    query: Query
    page: int = 1
    total: int = 0
    capped: bool = False
    hits: list[Hit] = field(default_factory=list)
    redirect_to: str | None = None
    unknown_identifier: str = ""

    @property
    def shown_total(self) -> int:
        """The count to show: past the bound, the bound ("1,000+ results")."""
        return CANDIDATES if self.capped else self.total

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.total, CANDIDATES) / PER_PAGE))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def ranked(q: Query) -> tuple[list[tuple[int, float, tuple[int, float] | None]], bool]:
    """(paper id, score, best matching summary) best first, and whether the bound was hit."""
    if q.is_empty:
        return [], False
    papers, summaries, capped = engine().candidates(q, CANDIDATES)
    merged: dict[int, float] = dict(papers)
    for pid, (_, score) in summaries.items():
        merged[pid] = max(merged.get(pid, 0.0), SUMMARY_WEIGHT * score)
    order = sorted(merged.items(), key=lambda item: (-item[1], -item[0]))
    return [(pid, score, summaries.get(pid)) for pid, score in order], capped


def ranked_paper_ids(text: str, limit: int = CANDIDATES) -> list[int]:
    rows, _ = ranked(parse(text))
    return [pid for pid, _, _ in rows[:limit]]


def search(text: str, page: int = 1) -> Results:
    q = parse(text)
    results = Results(query=q)
    if q.identifier is not None:
        paper = Paper.objects.by_identifier(q.raw)
        if paper is not None:
            results.redirect_to = (paper.merged_into or paper).get_absolute_url()
            return results
        results.unknown_identifier = str(q.identifier)
    rows, capped = ranked(q)
    results.total, results.capped = len(rows), capped
    results.page = min(max(1, page), results.pages)
    window = rows[(results.page - 1) * PER_PAGE : results.page * PER_PAGE]
    if not window:
        return results
    ids = [pid for pid, _, _ in window]
    papers = (
        Paper.objects.select_related("venue")
        .only(
            *("id", "title", "title_html", "slug", "abstract", "year", "venue__name"),
            "merged_into_id",
        )
        # The typeset abstract, only where there is math in it: the snippet reads its
        # formulas as text instead of showing their TeX.
        .annotate(
            math_html=Case(
                When(abstract__contains="$", then=F("abstract_html")),
                default=Value(""),
                output_field=TextField(),
            )
        )
        .prefetch_related(
            Prefetch(
                "authorships",
                queryset=PaperAuthor.objects.select_related("author").only(
                    "paper_id", "position", "author__name"
                ),
                to_attr="search_authorships",
            )
        )
        .in_bulk(ids)
    )
    summary_ids = [s[0] for _, _, s in window if s is not None]
    summaries = (
        Summary.objects.public()
        .select_related("user")
        .only(
            "id",
            "body",
            "body_text",
            "is_anonymous",
            "user__username",
            "user__display_name",
            "user__is_active",
        )
        .in_bulk(summary_ids)
        if summary_ids
        else {}
    )
    wanted = q.highlight_words()
    for pid, score, best in window:
        paper = papers.get(pid)
        if paper is None:  # deleted since the index answered
            continue
        # A title with math shows typeset and unmarked: the marks are placed in the text
        # the index holds (the TeX), which the typeset title no longer is.
        title = paper.title_display if paper.title_html else hl.highlight(paper.title, wanted)
        hit = Hit(
            paper=paper,
            score=score,
            title_html=title,
            snippet_html=hl.highlight(_abstract_text(paper), wanted, words=SNIPPET_WORDS),
            authors=[hl.highlight(a.author.name, wanted) for a in paper.search_authorships],
        )
        summary = summaries.get(best[0]) if best else None
        if summary is not None:
            hit.summary = summary
            # Its plain text, what the index holds (the Markdown of a row saved before it).
            text = summary.body_text or summary.body
            hit.summary_snippet_html = hl.highlight(text, wanted, words=SNIPPET_WORDS)
        results.hits.append(hit)
    return results


def _abstract_text(paper: Paper) -> str:
    """The abstract as a reader sees it: its formulas as text, not as $TeX$."""
    math_html = getattr(paper, "math_html", "")  # annotated by search() where it is needed
    return markup.html_text(math_html) if math_html else paper.abstract
