"""Writes and lookups across the papers models."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects

from shortscience.lib import markup
from shortscience.papers.models import Keyword, Paper, PaperAuthor, Venue


def resolve_cites(keys: list[str]) -> dict[str, markup.CiteTarget]:
    """Find the papers that \\cite keys name: one query for the keys, one for the authors."""
    found = Paper.objects.resolve_keys(keys)
    prefetch_related_objects(
        list(set(found.values())),
        Prefetch("authorships", queryset=PaperAuthor.objects.select_related("author")),
    )
    return {
        key: markup.CiteTarget(
            url=paper.get_absolute_url(), label=paper.short_citation(), title=paper.title
        )
        for key, paper in found.items()
    }


@dataclass
class PaperRecord:
    """What an importer knows about a paper, before it is in the library."""

    title: str
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    year: int | None = None
    published: date | None = None
    venue_key: str = ""
    venue_name: str = ""
    venue_kind: str = Venue.Kind.OTHER
    keywords: list[str] = field(default_factory=list)
    source: str = Paper.Source.MANUAL
    identifiers: dict[str, str] = field(default_factory=dict)
    links: list[dict[str, str]] = field(default_factory=list)


def find_existing(record: PaperRecord) -> Paper | None:
    keys = [value for value in record.identifiers.values() if value]
    found = Paper.objects.resolve_keys(keys)
    return next(iter(found.values()), None)


def upsert_paper(record: PaperRecord) -> tuple[Paper, bool]:
    """Create the paper or update the one that any of its identifiers already names.

    Returns (paper, created). All in one transaction: a paper is never half-saved.
    """
    abstract_html = markup.render_abstract(record.abstract) if record.abstract else ""
    with transaction.atomic():
        paper = find_existing(record)
        created = paper is None
        if created:
            paper = Paper()
        venue = None
        if record.venue_key:
            venue, _ = Venue.objects.get_or_create(
                key=record.venue_key,
                defaults={"name": record.venue_name or record.venue_key, "kind": record.venue_kind},
            )
        paper.title = record.title
        paper.abstract = record.abstract
        paper.abstract_html = abstract_html
        paper.year = record.year
        paper.published = record.published
        paper.venue = venue
        paper.source = record.source
        paper.links = record.links
        paper.save()
        paper.set_authors(record.authors)
        paper.keywords.set([Keyword.objects.get_or_create(name=k)[0] for k in record.keywords])
        for kind, value in record.identifiers.items():
            if value:
                paper.add_identifier(kind, value)
    return paper, created


def rerender_abstract(paper: Paper) -> bool:
    html = markup.render_abstract(paper.abstract) if paper.abstract else ""
    if html == paper.abstract_html:
        return False
    Paper.objects.filter(pk=paper.pk).update(abstract_html=html)
    return True
