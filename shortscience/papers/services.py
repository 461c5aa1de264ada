"""Reads and writes of the papers models that the apps above share: \\cite look-ups for the
markup of summaries and comments, an abstract's and a title's typesetting, and asking a paper's source.
Writing records into the library (upsert, merge, bulk import) is the library app's."""

from __future__ import annotations

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


def rerender_abstract(paper: Paper) -> bool:
    html = markup.render_abstract(paper.abstract) if paper.abstract else ""
    if html == paper.abstract_html:
        return False
    Paper.objects.filter(pk=paper.pk).update(abstract_html=html)
    return True


def rerender_title(paper: Paper) -> bool:
    """Typeset the title's math again (or for the first time); True when that changed it."""
    html = markup.render_title(paper.title)
    if html == paper.title_html:
        return False
    Paper.objects.filter(pk=paper.pk).update(title_html=html)
    paper.title_html = html
    return True


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
