"""What the API says of a paper, a summary and a member: one function each, used by every
endpoint that shows one, so that a field means the same everywhere and privacy is decided
in one place (only public summaries reach here; an anonymous summary has no author)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.utils import timezone

from shortscience.groups.models import Meeting, Membership
from shortscience.lib import identifiers
from shortscience.lists.models import ListItem
from shortscience.papers.models import Paper, names_and_identifiers
from shortscience.summaries.models import Summary
from shortscience.web.links import absolute, link, link_maker

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


def author(user) -> dict | None:
    """A member as a byline: None for a closed account (its name is gone)."""
    if user is None or not user.is_active:
        return None
    return {"username": user.username, "display_name": user.shown_name}


def reading_list(rl, items: list | None = None, papers: dict[int, dict] | None = None) -> dict:
    """A reading list the caller may see; with `items` (its ListItems in order) and `papers`
    (their records by id: described() for the API, id and url for the dumps)."""
    out = {
        "id": rl.key,
        "url": absolute(rl.get_absolute_url()),
        "title": rl.title,
        "description": rl.description,
        "visibility": rl.visibility,
        "owner": author(rl.owner),
        "created": rl.created,
        "updated": rl.updated,
        "item_count": rl.item_count,
    }
    if items is not None:
        out["items"] = [
            {
                "position": n,
                "paper": (papers or {}).get(item.paper_id) or {"id": item.paper_id},
                "note": item.note,
                "state": item.state,
                "added": item.added,
            }
            for n, item in enumerate(items)
        ]
    return out


def paper_refs(paper_ids) -> dict[int, dict]:
    """Papers as the dumps point at them: their id and page (the papers file has the rest)."""
    url = link_maker("discovery:paper", 2)
    rows = Paper.objects.filter(pk__any_of=set(paper_ids)).values_list("pk", "slug")
    return {pk: {"id": pk, "url": absolute(url(pk, slug))} for pk, slug in rows}


def meeting(m, paper: dict) -> dict:
    return {
        "id": m.pk,
        "url": absolute(m.get_absolute_url()),
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "time_zone": m.time_zone,
        "paper": paper,
        "presenter": author(m.presenter),
        "location": m.location,
    }


def group(g, members=None, upcoming=None, past=None, papers: dict[int, dict] | None = None):
    """A reading group the caller may see; with its members (users) and meetings (with their
    paper and presenter selected, `papers` their papers' records by id) when given."""
    out = {
        "id": g.slug,
        "url": absolute(g.get_absolute_url()),
        "name": g.name,
        "description": g.description,
        "visibility": g.visibility,
        "calendar_url": absolute(link("groups:calendar", g.slug)),
        "member_count": g.member_count,
    }
    if members is not None:
        out["members"] = [a for a in (author(u) for u in members) if a is not None]
    for name, meetings in (("upcoming", upcoming), ("past", past)):
        if meetings is not None:
            out[name] = [
                meeting(m, (papers or {}).get(m.paper_id) or {"id": m.paper_id}) for m in meetings
            ]
    return out


def list_items(lists) -> dict[int, list]:
    """The items of each of these reading lists, in order: one query for any number."""
    out: dict[int, list] = {rl.pk: [] for rl in lists}
    rows = ListItem.objects.filter(reading_list__in=list(out)).order_by(
        "reading_list", "position", "pk"
    )
    for item in rows:
        out[item.reading_list_id].append(item)
    return out


def programmes(groups, past_max: int | None = None):
    """({group pk: members}, {group pk: upcoming}, {group pk: past}) for these reading
    groups: three queries for any number; `past_max` keeps the latest past meetings only."""
    by_pk = {g.pk: g for g in groups}
    pks = list(by_pk)
    members: dict[int, list] = {pk: [] for pk in pks}
    for m in (
        Membership.objects.filter(group__in=pks)
        .select_related("user")
        .order_by("group", "joined", "pk")
    ):
        members[m.group_id].append(m.user)
    upcoming: dict[int, list] = {pk: [] for pk in pks}
    past: dict[int, list] = {pk: [] for pk in pks}
    now = timezone.now()
    meetings = Meeting.objects.filter(group__in=pks).select_related("presenter")
    for m in meetings.order_by("group", "starts_at", "pk"):
        m.group = by_pk[m.group_id]
        (past if m.is_past(now) else upcoming)[m.group_id].append(m)
    for pk in pks:
        past[pk].reverse()
        if past_max is not None:
            past[pk] = past[pk][:past_max]
    return members, upcoming, past
