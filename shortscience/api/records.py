"""What the API says of a paper, a summary and a member: one function each, used by every
endpoint that shows one, so that a field means the same everywhere and privacy is decided
in one place (only public summaries reach here; an anonymous summary has no author)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from shortscience.discovery.queries import absolute
from shortscience.lib import identifiers
from shortscience.papers.models import Paper, names_and_identifiers
from shortscience.summaries.models import Summary

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
# This site's own ids: "123", "shortscience:123", or a paper page's URL on any host.
_SITE_ID = re.compile(r"^(?:shortscience:)?(\d{1,18})$", re.IGNORECASE)
_SITE_URL = re.compile(r"^https?://[^/]+/paper/(\d{1,18})(?:/|$|\?)", re.IGNORECASE)


def paper(
    p: Paper, details: tuple[list[str], list[tuple[str, str]]], fields: Iterable[str] = PAPER_FIELDS
) -> dict:
    """A paper, with `details` as papers.models.names_and_identifiers() gives them: its
    authors' names and its (kind, value) identifiers."""
    out: dict = {"id": p.pk}
    wanted = set(fields)
    if "url" in wanted:
        out["url"] = absolute(p.get_absolute_url())
    if "title" in wanted:
        out["title"] = p.title
    if "year" in wanted:
        out["year"] = p.year
    if "venue" in wanted:
        out["venue"] = {"key": p.venue.key, "name": p.venue.name} if p.venue_id else None
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


# What a list of papers reads of each: the rest (metadata, links, the rendered abstract) is
# as long again, and JSON to decode.
_LIST_COLUMNS = (
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


def papers_by_keys(keys: list[str]) -> list[Paper | None]:
    """The paper each key names, in the keys' order (None for an unknown key): any form
    `identifiers.candidates()` reads, this site's ids and paper URLs. Three queries for any
    number of keys (four when one was merged away)."""
    found: dict[str, int] = {}
    others = []
    for key in keys:
        match = _SITE_ID.match(key.strip()) or _SITE_URL.match(key.strip())
        if match:
            found[key] = int(match[1])
        else:
            others.append(key)
    found.update(Paper.objects.resolve_key_ids(others))
    return papers_by_ids([found.get(key) for key in keys])


def papers_by_ids(ids: list[int | None]) -> list[Paper | None]:
    """The papers with these ids, in their order, with the columns a list shows; a paper
    merged away answers as the one it was merged into."""
    listed = Paper.objects.select_related("venue").only(*_LIST_COLUMNS)
    loaded = listed.in_bulk({pk for pk in ids if pk is not None})
    merged = {p.merged_into_id for p in loaded.values() if p.merged_into_id}
    if merged - set(loaded):
        loaded.update(listed.in_bulk(merged - set(loaded)))
    out: list[Paper | None] = []
    for pk in ids:
        found = loaded.get(pk)
        if found is not None and found.merged_into_id:
            found = loaded.get(found.merged_into_id)
        out.append(found)
    return out


def described(found: list[Paper | None], fields: Iterable[str] = PAPER_FIELDS) -> list[dict | None]:
    """Papers as the API says them, the authors and identifiers of them all in one query."""
    wanted = set(fields)
    details = (
        names_and_identifiers({p.pk for p in found if p is not None})
        if wanted & {"authors", "identifiers"}
        else {}
    )
    return [paper(p, details.get(p.pk, ([], [])), wanted) if p is not None else None for p in found]
