"""Writing records into the library: one record at a time (upsert_paper), several at once,
and merges of two records of one paper (which move the merged paper's summaries too)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from shortscience.lib import identifiers
from shortscience.lib.records import ImportFailed, PaperRecord
from shortscience.papers import search_index
from shortscience.papers.models import Keyword, MergeLog, Paper, PaperIdentifier, Venue
from shortscience.papers.services import fetch_records, typeset_abstract, typeset_title
from shortscience.summaries.models import Summary, SummaryChange, refresh_paper_stats
from shortscience.web import changes, tasks


class MergeConflict(Exception):
    """Two papers cannot be merged as they are; the message says why, for a person."""


def find_existing(record: PaperRecord) -> list[Paper]:
    """The papers this record names: by any identifier first, then by normalized title,
    first author and year. More than one means the library holds duplicates."""
    keys = [value for value in record.identifiers.values() if value]
    found = list(dict.fromkeys(Paper.objects.resolve_keys(keys).values())) if keys else []
    if not found:
        key = record.match_key()
        if key and record.year and record.authors:
            # merged_into is checked in Python: see bulk.py for why not in SQL.
            found = [p for p in Paper.objects.filter(match_key=key) if p.merged_into_id is None][:2]
    return found


def resolve_venue(record: PaperRecord) -> Venue | None:
    """The venue a record names: by key, else by name or alias, else by its DOI's prefix."""
    if record.venue_key:
        venue, created = Venue.objects.get_or_create(
            key=record.venue_key,
            defaults={"name": record.venue_name or record.venue_key, "kind": record.venue_kind},
        )
        name = record.venue_name.strip()
        if not created and name and name != venue.name and name not in venue.aliases:
            # Sources name one venue many ways ("NIPS", "NeurIPS", "Advances in Neural ...");
            # each name met is kept, so a record that comes with a name only finds it later.
            venue.aliases = [*venue.aliases, name]
            venue.save(update_fields=["aliases"])
        return venue
    name = record.venue_name.strip().casefold()
    doi = record.identifiers.get("doi", "").lower()
    if not name and not doi:
        return None
    for venue in Venue.objects.all().only("pk", "key", "name", "kind", "aliases", "doi_prefixes"):
        if name and (
            venue.name.casefold() == name or name in (a.casefold() for a in venue.aliases)
        ):
            return venue
        if doi and any(doi.startswith(p.lower()) for p in venue.doi_prefixes):
            return venue
    if name:
        key = "venue/" + slugify(record.venue_name)[:80]
        venue, _ = Venue.objects.get_or_create(
            key=key, defaults={"name": record.venue_name, "kind": record.venue_kind}
        )
        return venue
    return None


def _snapshot(paper: Paper) -> tuple:
    return (
        paper.title,
        paper.title_html,
        paper.abstract,
        paper.year,
        paper.published,
        paper.venue_id,
        paper.source,
        paper.links,
        paper.metadata,
        tuple(paper.authorships.values_list("author_id", flat=True).order_by("position")),
        tuple(sorted(paper.keywords.values_list("name", flat=True))),
        tuple(sorted(paper.identifiers.values_list("kind", "value", "display"))),
    )


def upsert_paper(record: PaperRecord) -> tuple[Paper, str]:
    """Write a record into the library: create the paper, or update the one it names.

    Returns (paper, status), status one of "created", "updated", "unchanged". When the
    record names two papers (its arXiv id one, its DOI another), they are merged first.
    A record from the paper's own source refreshes its fields; a record from another
    source only fills what is missing, adds identifiers, keywords and links, moves a
    preprint to its published venue and keeps the earliest first-published date.
    All in one transaction: a paper is never half-saved.
    """
    if not record.title.strip():
        raise ImportFailed("The record has no title.")
    abstract_html = typeset_abstract(record.abstract)
    title = record.title.strip()
    title_html = typeset_title(title)
    with transaction.atomic():
        found = find_existing(record)
        paper = found[0] if found else None
        for other in found[1:]:
            merge_papers(paper, other, reason="the same identifiers", by=None)
        if paper is None:
            paper = Paper()
            before = None
        else:
            before = _snapshot(paper)
        same_source = before is None or paper.source == record.source
        venue = resolve_venue(record)

        def take(attr: str, value) -> None:
            if value in (None, "", [], {}):
                return
            if same_source or getattr(paper, attr) in (None, "", [], {}):
                setattr(paper, attr, value)

        if same_source or not paper.title:
            paper.title, paper.title_html = title, title_html
        if record.abstract and (same_source or not paper.abstract):
            paper.abstract, paper.abstract_html = record.abstract, abstract_html
        take("year", record.year)
        if record.published and (not paper.published or record.published < paper.published):
            paper.published = record.published
        if venue and (
            same_source
            or paper.venue_id is None
            or (paper.venue.kind == Venue.Kind.PREPRINT and venue.kind != Venue.Kind.PREPRINT)
        ):
            paper.venue = venue
            if venue.kind != Venue.Kind.PREPRINT and record.year:
                paper.year = record.year
        if before is None:
            paper.source = record.source
        known = {link.get("url") for link in paper.links}
        paper.links = list(paper.links) + [
            link for link in record.links if link.get("url") not in known
        ]
        paper.metadata = {**paper.metadata, **record.extra}
        paper.save()
        if record.authors and (same_source or not paper.authorships.exists()):
            paper.set_authors(record.authors)
        paper.keywords.add(*[Keyword.objects.get_or_create(name=k)[0] for k in record.keywords])
        for kind, value in record.identifiers.items():
            if value:
                try:
                    paper.add_identifier(kind, value)
                except ValueError:
                    # A malformed identifier from a source or a pasted BibTeX finds nothing;
                    # the rest of the record is still worth having (bulk.py drops it too).
                    continue
        key = paper.compute_match_key()
        if key != paper.match_key:
            Paper.objects.filter(pk=paper.pk).update(match_key=key)
            paper.match_key = key
        status = (
            "created"
            if before is None
            else ("unchanged" if _snapshot(paper) == before else "updated")
        )
        if status != "unchanged":
            search_index.index_papers([paper.pk])
            # Its pages, the lists that show it (or now hold it), search.
            changes.changed(papers=[paper.pk], lists=[changes.PAPERS])
        return paper, status


def merge_papers(kept: Paper, merged: Paper, *, reason: str, by=None) -> MergeLog:
    """Merge `merged` into `kept`: every identifier, summary and keyword moves, the merged
    paper's URL redirects to the kept one, and the log holds what moved for an undo."""
    if kept.pk == merged.pk:
        raise MergeConflict("A paper cannot be merged into itself.")
    with transaction.atomic():
        writers = set(Summary.objects.filter(paper=kept).values_list("user_id", flat=True))
        clash = Summary.objects.filter(paper=merged, user_id__in=writers).select_related("user")
        if clash:
            names = ", ".join(sorted(s.user.username for s in clash))
            # One summary per user per paper: two summaries by one writer cannot become one
            # paper's without choosing a text, and that choice is the writer's, not ours.
            raise MergeConflict(
                f"Both papers have a summary by {names}; ask them to keep one first."
            )
        moved = {
            "identifiers": list(merged.identifiers.values_list("pk", flat=True)),
            "summaries": list(Summary.objects.filter(paper=merged).values_list("pk", flat=True)),
            "keywords": list(
                merged.keywords.exclude(pk__in=kept.keywords.all()).values_list("pk", flat=True)
            ),
        }
        merged.identifiers.update(paper=kept)
        Summary.objects.filter(pk__in=moved["summaries"]).update(paper=kept)
        _move_requests(merged, kept)
        # Reading groups meet about the paper it became (their pages show both papers,
        # whose changes are said below).
        merged.meetings.update(paper=kept, sequence=F("sequence") + 1, updated=timezone.now())
        kept.keywords.add(*moved["keywords"])
        Paper.objects.filter(pk=merged.pk).update(merged_into=kept)
        merged.merged_into = kept
        refresh_paper_stats([kept.pk, merged.pk])
        search_index.index_papers([kept.pk, merged.pk])
        _say_merged(kept.pk, merged.pk)
        log = MergeLog.objects.create(kept=kept, merged=merged, by=by, reason=reason, moved=moved)
        _note_moved(moved["summaries"])
        return log


def _move_requests(merged: Paper, kept: Paper) -> None:
    """Summary requests follow the merge (through the related manager: the notifications
    app stands beside this one). A member who asked for both keeps one request. Open
    requests on a paper that now has a public summary are answered by the worker."""
    merged.summary_requests.filter(user__in=kept.summary_requests.values("user")).delete()
    merged.summary_requests.update(paper=kept)
    if kept.summary_requests.filter(ended__isnull=True).exists() and (
        Summary.objects.filter(paper=kept).public().exists()
    ):
        tasks.enqueue("requests_to_answer", paper_id=kept.pk)


def _note_moved(summary_ids: list[int]) -> None:
    """For mirrors: the public summaries that changed paper (last in the transaction)."""
    SummaryChange.note(
        Summary.objects.filter(pk__in=summary_ids).public().values_list("pk", flat=True)
    )


def _say_merged(*paper_ids: int) -> None:
    """Both papers' pages change (one redirects, the other gains summaries), and with them
    the lists of papers and of summaries (whose paper titles and links moved)."""
    changes.changed(papers=paper_ids, lists=[changes.PAPERS, changes.SUMMARIES, changes.WANTED])


def undo_merge(log: MergeLog) -> None:
    """Put back what a merge moved; the merged paper's own URL works again."""
    if log.undone:
        raise MergeConflict("This merge was undone already.")
    with transaction.atomic():
        PaperIdentifier.objects.filter(pk__in=log.moved.get("identifiers", [])).update(
            paper=log.merged
        )
        Summary.objects.filter(pk__in=log.moved.get("summaries", [])).update(paper=log.merged)
        log.kept.keywords.remove(*log.moved.get("keywords", []))
        Paper.objects.filter(pk=log.merged_id).update(merged_into=None)
        refresh_paper_stats([log.kept_id, log.merged_id])
        search_index.index_papers([log.kept_id, log.merged_id])
        _say_merged(log.kept_id, log.merged_id)
        log.undone = timezone.now()
        log.save(update_fields=["undone"])
        _note_moved(log.moved.get("summaries", []))


def import_records(records: list[PaperRecord]) -> list[tuple[Paper, str]]:
    """Write several records at once: all of them or, on any error, none."""
    with transaction.atomic():
        return [upsert_paper(record) for record in records]


class NotAtSource(LookupError):
    """The identifier is well formed but its source has no such paper."""


def paper_for_identifier(text: str, before_fetch=None) -> tuple[Paper, bool]:
    """The paper an identifier (arXiv, DOI, DBLP, OpenReview, a URL of one) names, fetched
    from its source and added when the library lacks it: (paper, added). For scripts (the
    API, notes import); the add-paper page shows a look-up first instead.

    `before_fetch()`, when given, runs before the source is asked (the API spends its rate
    limits there: a paper the library has costs a script nothing).

    Raises ImportFailed for text that is no identifier (or a BibTeX entry, which names no
    one paper to look up), NotAtSource, or lib.http.FetchError when the source did not answer.
    """
    ident = identifiers.recognize(text)
    if ident is None or ident.kind == identifiers.BIBTEX:
        raise ImportFailed(
            "This is not an identifier we can read: give an arXiv id or link, a DOI, "
            "a DBLP key or an OpenReview link."
        )
    existing = Paper.objects.by_identifier(ident.value)
    if existing:
        return existing, False
    if before_fetch is not None:
        before_fetch()
    records = fetch_records(ident)
    if not records:
        raise NotAtSource(f"{ident.display or ident.value} does not exist at its source.")
    paper, outcome = upsert_paper(records[0])
    return paper, outcome == "created"
