"""Citation metadata for the paper page: Highwire Press tags (Google Scholar, Zotero),
OpenGraph (link previews) and a JSON-LD ScholarlyArticle, all from the rows the paper page
already loaded (PaperQuerySet.with_details()), so the page makes no extra query."""

from __future__ import annotations

import json

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from shortscience.discovery.queries import author_path
from shortscience.papers.models import Paper, Venue
from shortscience.web.links import absolute

register = template.Library()

DESCRIPTION_CHARS = 300
# What json_script escapes: inside <script>, "</script>" or "<!--" in a title must stay text.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data: dict) -> SafeString:
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 - escaped above


def _plain(text: str) -> str:
    return " ".join(text.split())


@register.simple_tag
def citation_meta(paper: Paper, summaries=()) -> dict:
    """`summaries` is what the page shows (the reader's own private ones included); the page
    is indexable only when one of them is public."""
    authors = paper.ordered_authors
    url = absolute(paper.get_absolute_url())
    # The title as text, its math read out (ℓ₁): these tags show neither markup nor TeX.
    title = paper.title_text
    highwire: list[tuple[str, str]] = [("citation_title", title)]
    highwire += [("citation_author", a.name) for a in authors]
    if paper.published:
        date = paper.published.strftime("%Y/%m/%d")
    else:
        date = str(paper.year) if paper.year else ""
    if date:
        highwire += [("citation_publication_date", date), ("citation_date", date)]
    venue = paper.venue
    if venue and venue.kind == Venue.Kind.JOURNAL:
        highwire.append(("citation_journal_title", venue.name))
    elif venue and venue.kind == Venue.Kind.CONFERENCE:
        highwire.append(("citation_conference_title", venue.name))
    doi, arxiv = paper.identifier("doi"), paper.identifier("arxiv")
    identifiers = []
    if doi:
        highwire.append(("citation_doi", doi.display or doi.value))
        identifiers.append(
            {"@type": "PropertyValue", "propertyID": "DOI", "value": doi.display or doi.value}
        )
    if arxiv:
        highwire.append(("citation_arxiv_id", arxiv.value))
        highwire.append(("citation_pdf_url", f"https://arxiv.org/pdf/{arxiv.value}"))
        identifiers.append({"@type": "PropertyValue", "propertyID": "arXiv", "value": arxiv.value})
    highwire.append(("citation_abstract_html_url", url))

    abstract = _plain(paper.abstract)
    article: dict = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "name": title,
        "headline": Truncator(title).chars(110),
        "author": [{"@type": "Person", "name": a.name} for a in authors],
        "url": url,
    }
    if paper.published:
        article["datePublished"] = paper.published.isoformat()
    elif paper.year:
        article["datePublished"] = str(paper.year)
    if identifiers:
        article["identifier"] = identifiers
    if abstract:
        article["abstract"] = abstract
    if venue and venue.kind == Venue.Kind.JOURNAL:
        article["isPartOf"] = {"@type": "Periodical", "name": venue.name}
    return {
        "highwire": highwire,
        "og": [
            ("og:type", "article"),
            ("og:site_name", settings.SITE_NAME),
            ("og:title", title),
            ("og:url", url),
            ("og:description", Truncator(abstract).chars(DESCRIPTION_CHARS)),
        ],
        "json_ld": json_ld(article),
        "indexable": any(s.is_public for s in summaries),
    }


@register.simple_tag
def absolute_url(path: str) -> str:
    return absolute(path)


@register.simple_tag
def author_url(author) -> str:
    return author_path(author)


@register.simple_tag
def badge_urls(paper: Paper) -> dict[str, str]:
    """The paper's badge and page, absolute, for the snippets its page offers (by this
    site's id: exact, and it follows a merge)."""
    path = reverse("discovery:badge", args=[paper.pk])
    return {"path": path, "image": absolute(path), "page": absolute(paper.get_absolute_url())}
