"""Reads and writes of the papers models that the apps above share: \\cite look-ups for the
markup of summaries and comments, an abstract's and a title's typesetting, and asking a paper's source.
Writing records into the library (upsert, merge, bulk import) is the library app's."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Prefetch, prefetch_related_objects

from shortscience.lib import identifiers, markup
from shortscience.lib.records import ImportFailed, PaperRecord
from shortscience.papers.models import Paper, PaperAuthor


def resolve_cites(keys: list[str]) -> dict[str, markup.CiteTarget]:
    """Find the papers that \\cite keys name: one query for the keys, one for the authors."""
    found = Paper.objects.resolve_keys(keys)
    prefetch_related_objects(
        list(set(found.values())),
        Prefetch("authorships", queryset=PaperAuthor.objects.select_related("author")),
    )
    return {
        key: markup.CiteTarget(
            url=paper.get_absolute_url(), label=paper.short_citation(), title=paper.title_text
        )
        for key, paper in found.items()
    }


# Abstracts and titles come from importers, which must not fail on them: one that would
# cost more than the markup budget to typeset is stored as its text instead.


def typeset_writing(body: str, *, id_prefix: str) -> markup.Rendered:
    """What a member wrote (a summary, a comment), rendered with its \\cite links within
    the markup budget; ValidationError, with the budget's message, for a text over it:
    every save, preview and API write answers that as a 400."""
    try:
        return markup.render(
            body,
            resolve_cites=resolve_cites,
            id_prefix=id_prefix,
            budget=settings.MARKUP_BUDGET_SECONDS,
        )
    except markup.TooCostly as e:
        raise ValidationError(str(e)) from e


def typeset_abstract(text: str) -> str:
    """An abstract's stored HTML (what importers, the admin and rerender_markup store)."""
    return _abstract(text)[0]


def typeset_abstracts(texts: list[str]) -> list[tuple[str, bool]]:
    """typeset_abstract() of many, with their math in a few KaTeX requests instead of one
    each (a bulk import's batch): (the HTML, whether it is the plain text for being over
    the budget) for each."""
    return _as_stored(texts, markup.render_abstracts(texts, budget=settings.MARKUP_BUDGET_SECONDS))


def _as_stored(texts: list[str], rendered: list[str | None]) -> list[tuple[str, bool]]:
    """render_abstracts()'s answers as stored: a text over the budget as its plain text."""
    return [
        (html, False) if html is not None else (markup.plain_html(text), True)
        for text, html in zip(texts, rendered, strict=True)
    ]


class Typesetter:
    """typeset_abstracts() for a bulk import, batch after batch: a batch's abstracts with
    math go to a process of its own (started on first need), which typesets them on the
    machine's other core while the importer writes the batch's other rows; `start()` hands
    them over and returns what gives the results, waiting for them if need be. A batch with
    fewer than IN_PROCESS_BELOW such abstracts is typeset here: not worth the trip.

    The process is spawned, not forked: it imports only the markup pipeline (no Django, no
    database connection of the importer's to inherit), and starts its own KaTeX worker.
    Should it die, the batch is typeset here instead and the next one starts a new process."""

    IN_PROCESS_BELOW = 50

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def start(self, texts: list[str]) -> Callable[[], list[tuple[str, bool]]]:
        with_math = [i for i, text in enumerate(texts) if markup.abstract_has_work(text)]
        if len(with_math) >= self.IN_PROCESS_BELOW:
            try:
                return self._hand_over(texts, with_math)
            except BrokenProcessPool:  # it died after the last batch
                self.close()
        done = typeset_abstracts(texts)
        return lambda: done

    def _hand_over(
        self, texts: list[str], with_math: list[int]
    ) -> Callable[[], list[tuple[str, bool]]]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        math_texts = [texts[i] for i in with_math]
        budget = settings.MARKUP_BUDGET_SECONDS
        future = self._pool.submit(markup.render_abstracts, math_texts, budget=budget)

        def finish() -> list[tuple[str, bool]]:
            try:
                rendered = future.result()
            except BrokenProcessPool:
                self.close()
                rendered = markup.render_abstracts(math_texts, budget=budget)
            typeset = dict(zip(with_math, rendered, strict=True))
            # The rest have no math: their plain HTML is what render_abstracts gives them.
            return _as_stored(
                texts,
                [typeset[i] if i in typeset else markup.plain_html(t) for i, t in enumerate(texts)],
            )

        return finish

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def typeset_title(title: str) -> str:
    """A title's stored HTML; "" shows the title's text (Paper.title_display)."""
    return _title(title)[0]


def _abstract(text: str) -> tuple[str, bool]:
    """(the HTML, whether it is the plain text for being over the budget)"""
    return typeset_abstracts([text])[0]


def _title(title: str) -> tuple[str, bool]:
    try:
        return markup.render_title(title, budget=settings.MARKUP_BUDGET_SECONDS), False
    except markup.TooCostly:
        return "", True


class Rerendered(NamedTuple):
    changed: bool  # what the stored HTML shows changed
    as_text: bool  # the text is over the markup budget now: stored as plain text


def rerender_abstracts(papers: list[Paper]) -> list[Rerendered]:
    """Typeset these papers' abstracts again (or for the first time), their math in a few
    KaTeX requests, and write those whose HTML changed in one statement."""
    results, changed = [], []
    for paper, (html, as_text) in zip(
        papers, typeset_abstracts([p.abstract for p in papers]), strict=True
    ):
        results.append(Rerendered(html != paper.abstract_html, as_text))
        if html != paper.abstract_html:
            paper.abstract_html = html
            changed.append((html, paper.pk))
    if changed:
        with connection.cursor() as cursor:
            cursor.executemany(
                f'UPDATE "{Paper._meta.db_table}" SET "abstract_html" = %s WHERE "id" = %s',
                changed,
            )
    return results


def rerender_title(paper: Paper) -> Rerendered:
    """Typeset the title's math again (or for the first time)."""
    html, as_text = _title(paper.title)
    if html == paper.title_html:
        return Rerendered(False, as_text)
    Paper.objects.filter(pk=paper.pk).update(title_html=html)
    paper.title_html = html
    return Rerendered(True, as_text)


def fetch_records(ident: identifiers.Identifier) -> list[PaperRecord]:
    """Ask the source that owns this identifier; [] when it has no such paper.

    Raises ImportFailed for an unreadable answer or text, FetchError when no answer came.
    """
    from shortscience.papers.sources import arxiv, bibtex, crossref, dblp, openreview

    if ident.kind == identifiers.BIBTEX:
        return bibtex.parse(ident.value)
    fetch = {
        identifiers.ARXIV: arxiv.fetch,
        identifiers.DOI: crossref.fetch,
        identifiers.DBLP: dblp.fetch,
        identifiers.OPENREVIEW: openreview.fetch,
    }.get(ident.kind)
    if fetch is None:
        raise ImportFailed(f"There is no source to ask about a {ident.kind} identifier.")
    record = fetch(ident.display or ident.value)
    return [record] if record else []
