"""What the API says of a paper, a summary and a member: one function each, used by every
endpoint that shows one, so that a field means the same everywhere and privacy is decided
in one place (only public summaries reach here; an anonymous summary has no author)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings

from shortscience.lib import identifiers
from shortscience.papers.models import Paper
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


def absolute(path: str) -> str:
    return settings.SITE_ROOT.rstrip("/") + path


def paper(p: Paper, fields: Iterable[str] = PAPER_FIELDS) -> dict:
    """A paper read with its details (PaperQuerySet.with_details)."""
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
        out["authors"] = [a.name for a in p.ordered_authors]
    if "identifiers" in wanted:
        found = {kind: None for kind in _IDENTIFIER_KINDS}
        for ident in p.identifier_list:
            if ident.kind in found and found[ident.kind] is None:
                found[ident.kind] = ident.value
        out["identifiers"] = found
    if "summary_count" in wanted:
        out["summary_count"] = p.public_summary_count
    if "last_summary_at" in wanted:
        out["last_summary_at"] = p.last_summary
    if "abstract" in wanted:
        out["abstract"] = p.abstract
    return out


def summary(s: Summary) -> dict:
    """A public summary (Summary.objects.public(), with its user and paper selected)."""
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
        else {"username": s.user.username, "display_name": s.user.display_name or s.user.username},
        "body_markdown": s.body,
        "body_html": s.body_html,
        "score": s.score,
        "upvotes": s.upvotes,
        "downvotes": s.downvotes,
        "comment_count": s.comment_count,
        "created": s.created,
        "updated": s.edited,
        "license": LICENSE,
    }


def papers_by_keys(keys: list[str]) -> list[Paper | None]:
    """The paper each key names, in the keys' order (None for an unknown key): any form
    `identifiers.candidates()` reads, this site's ids and paper URLs. A paper merged away
    answers as the one it was merged into. A constant number of queries for any number."""
    site_ids: dict[str, int] = {}
    others = []
    for key in keys:
        match = _SITE_ID.match(key.strip()) or _SITE_URL.match(key.strip())
        if match:
            site_ids[key] = int(match[1])
        else:
            others.append(key)
    found_ids: dict[str, int] = {k: p.pk for k, p in Paper.objects.resolve_keys(others).items()}
    found_ids.update(site_ids)
    rows = {
        p.pk: p
        for p in Paper.objects.filter(pk__in=set(found_ids.values())).only("id", "merged_into_id")
    }
    targets = {pk: (row.merged_into_id or pk) for pk, row in rows.items()}
    loaded = {p.pk: p for p in Paper.objects.filter(pk__in=set(targets.values())).with_details()}
    out: list[Paper | None] = []
    for key in keys:
        pk = found_ids.get(key)
        out.append(loaded.get(targets.get(pk)) if pk is not None else None)
    return out
