"""What the API says of a paper, a summary and a member: one function each, used by every
endpoint that shows one, so that a field means the same everywhere and privacy is decided
in one place (only public summaries reach here; an anonymous summary has no author)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from shortscience.discovery.queries import absolute
from shortscience.lib import identifiers
from shortscience.papers.models import Paper, names_and_identifiers
from shortscience.summaries.models import Summary
from shortscience.web.links import link_maker

LICENSE = "CC-BY-4.0"
# What a batch may ask for besides "id" (always there); all of them when it names none.
PAPER_FIELDS = (
    "url",
    "title",
    "year",
    "venue",
    "authors",
    "identifiers",
    "summary_count",
    "last_summary_at",
    "abstract",
)
_IDENTIFIER_KINDS = (identifiers.ARXIV, identifiers.DOI, identifiers.DBLP, identifiers.OPENREVIEW)


class PaperRow(NamedTuple):
    """What the API says of a paper, read as plain values (no model instance: for 500
    papers those cost more than the query)."""

    pk: int
    title: str
    slug: str
    year: int | None
    abstract: str
    venue_key: str | None
    venue_name: str | None
    merged_into_id: int | None
    public_summary_count: int
    last_summary: datetime | None


_ROW_COLUMNS = (
    "id",
    "title",
    "slug",
    "year",
    "abstract",
    "venue__key",
    "venue__name",
    "merged_into_id",
    "public_summary_count",
    "last_summary",
)


def paper(
    p: PaperRow,
    details: tuple[list[str], list[tuple[str, str]]],
    fields: Iterable[str] = PAPER_FIELDS,
    url=None,
) -> dict:
    """A paper, with `details` as papers.models.names_and_identifiers() gives them: its
    authors' names and its (kind, value) identifiers. `url`: web.links.link_maker() for
    the paper page, when making many."""
    out: dict = {"id": p.pk}
    wanted = set(fields)
    if "url" in wanted:
        out["url"] = absolute((url or link_maker("discovery:paper", 2))(p.pk, p.slug))
    if "title" in wanted:
        out["title"] = p.title
    if "year" in wanted:
        out["year"] = p.year
    if "venue" in wanted:
        out["venue"] = {"key": p.venue_key, "name": p.venue_name} if p.venue_key else None
    if "authors" in wanted:
        out["authors"] = details[0]
    if "identifiers" in wanted:
        found = dict.fromkeys(_IDENTIFIER_KINDS)
        for kind, value in details[1]:
            if kind in found and found[kind] is None:
                found[kind] = value
        out["identifiers"] = found
    if "summary_count" in wanted:
        out["summary_count"] = p.public_summary_count
    if "last_summary_at" in wanted:
        out["last_summary_at"] = p.last_summary
    if "abstract" in wanted:
        out["abstract"] = p.abstract
    return out


def summary(s: Summary) -> dict:
    """A summary the caller may read (Summary.objects.visible_to(), with its user and paper
    selected): the author stays unnamed on an anonymous one, whoever asks."""
    return {
        "id": s.pk,
        "paper": {
            "id": s.paper_id,
            "title": s.paper.title,
            "url": absolute(s.paper.get_absolute_url()),
        },
        "permalink": absolute(s.get_absolute_url()),
        "author": None
        if s.is_anonymous
        else {"username": s.user.username, "display_name": s.user.shown_name},
        "body_markdown": s.body,
        "body_html": s.body_html,
        "score": s.score,
        "upvotes": s.upvotes,
        "downvotes": s.downvotes,
        "comment_count": s.comment_count,
        "visibility": s.visibility,
        "created": s.created,
        "updated": s.edited,
        "license": LICENSE,
    }


def comment(c) -> dict:
    """A comment the caller may see (community.access.comment_for(), or Comment.objects.
    public() for the dumps; with its user and summary selected). No name where the site shows
    none: a deleted comment (its place stays, its text and author go), the author of an
    anonymous summary commenting under it (Comment.named_member_id: their name there would
    sign the summary), an account no longer active (a closed one's username is a number)."""
    shown = not c.is_deleted
    named = shown and c.named_member_id is not None and c.user.is_active
    return {
        "id": c.pk,
        "summary_id": c.summary_id,
        # The parent may be missing from a dump (deleted, or removed by a moderator): its
        # thread shows a placeholder there.
        "parent_id": c.parent_id,
        "permalink": absolute(c.get_absolute_url()),
        "author": {"username": c.user.username, "display_name": c.user.shown_name}
        if named
        else None,
        "body_markdown": c.body if shown else "",
        "body_html": c.body_html if shown else "",
        "score": c.score,
        "created": c.created,
        "updated": c.edited,  # null: never edited
        "license": LICENSE,
    }


def paper_ids_by_keys(keys: list[str]) -> list[int | None]:
    """The id of the paper each key names, in the keys' order (papers.PaperQuerySet says
    which keys it reads)."""
    return Paper.objects.ids_for_keys(keys)


def paper_by_key(key: str) -> Paper | None:
    """The paper a key names (the one it was merged into, if it was), as a model: for a
    write or a page of its summaries."""
    return Paper.objects.for_key(key)


def described(ids: list[int | None], fields: Iterable[str] = PAPER_FIELDS) -> list[dict | None]:
    """The papers with these ids as the API says them, in their order (None for an unknown
    id); a paper merged away answers as the one it was merged into. Two queries for any
    number (three when one was merged away): the papers, then the authors and identifiers
    of them all."""
    wanted = set(fields)
    rows = Paper.objects.values_list(*_ROW_COLUMNS)
    loaded = {r[0]: PaperRow(*r) for r in rows.filter(pk__any_of={pk for pk in ids if pk})}
    merged = {p.merged_into_id for p in loaded.values() if p.merged_into_id} - set(loaded)
    if merged:
        loaded.update((r[0], PaperRow(*r)) for r in rows.filter(pk__any_of=merged))
    found: list[PaperRow | None] = []
    for pk in ids:
        row = loaded.get(pk)
        if row is not None and row.merged_into_id:
            row = loaded.get(row.merged_into_id)
        found.append(row)
    details = (
        names_and_identifiers({p.pk for p in found if p is not None})
        if wanted & {"authors", "identifiers"}
        else {}
    )
    url = link_maker("discovery:paper", 2)
    return [
        paper(p, details.get(p.pk, ([], [])), wanted, url) if p is not None else None for p in found
    ]
