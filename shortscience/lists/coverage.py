"""The coverage check: which papers of a bibliography the library has, and which of those
have summaries. A pasted list of identifiers (any form `PaperQuerySet.ids_for_keys` reads,
one a line or separated by spaces) or a BibTeX file; a BibTeX entry is found by its DOI or
arXiv id, else by its title, first author and year (the importer's match key)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from shortscience.lib import records
from shortscience.papers.models import Paper
from shortscience.papers.sources import bibtex
from shortscience.summaries.models import Summary

MAX_ENTRIES = 2000
# Not ";": some older DOIs hold one.
_SEPARATORS = re.compile(r"[\s,]+")
MAX_TEXT = 2 * 1024 * 1024
_ENTRY_START = re.compile(r"^[ \t]*@", re.MULTILINE)
# Merges are followed this many hops at most (a chain longer than that is a data problem).
MAX_MERGE_HOPS = 10


class CoverageError(ValueError):
    """Input the check cannot read (said to the person as it is)."""


@dataclass
class Entry:
    label: str  # what the person gave: the identifier, or the entry's title
    keys: list[str]
    match_key: str = ""
    paper: Paper | None = None


def read(text: str) -> list[Entry]:
    if "\x00" in text:
        raise CoverageError("The text holds a NUL character, which no bibliography does.")
    if len(text) > MAX_TEXT:
        raise CoverageError("At most 2 MB of text.")
    if "@" in text and "{" in text:
        # Counted before the (costly) parse: a file of 70,000 tiny entries is refused at once.
        if len(_ENTRY_START.findall(text)) > MAX_ENTRIES * 2:
            raise CoverageError(f"At most {MAX_ENTRIES:,} papers at a time.")
        try:
            found, _problems = bibtex.parse_report(text)
        except records.ImportFailed as e:
            raise CoverageError(str(e)) from None
        entries = [
            Entry(
                label=r.title,
                keys=[f"{kind}:{value}" for kind, value in r.identifiers.items() if value],
                match_key=records.match_key(
                    r.title, r.authors[0].name if r.authors else "", r.year
                ),
            )
            for r in found
        ]
    else:
        entries = [Entry(label=t, keys=[t]) for t in _SEPARATORS.split(text) if t]
    if not entries:
        raise CoverageError("Paste identifiers (one a line) or a BibTeX file.")
    if len(entries) > MAX_ENTRIES:
        raise CoverageError(f"At most {MAX_ENTRIES:,} papers at a time ({len(entries):,} given).")
    return entries


def check(entries: list[Entry]) -> list[Entry]:
    """Each entry with its paper (the one a merge kept), the paper carrying
    `public_summary_count` and `best_summary_id`: five queries whatever their number."""
    keys = [key for e in entries for key in e.keys]
    ids = dict(zip(keys, Paper.objects.ids_for_keys(keys), strict=True))
    wanted_keys = [e.match_key for e in entries if e.match_key]
    by_match = dict(
        Paper.objects.filter(match_key__in=wanted_keys, merged_into__isnull=True).values_list(
            "match_key", "pk"
        )
        if wanted_keys
        else []
    )
    chosen = {}
    for entry in entries:
        chosen[id(entry)] = next(
            (ids[k] for k in entry.keys if ids.get(k)), by_match.get(entry.match_key)
        )
    best = Summary.objects.public().filter(paper=OuterRef("pk")).order_by("-wilson", "-edited")
    papers = Paper.objects.filter(pk__in={pk for pk in chosen.values() if pk}).annotate(
        best_summary_id=Subquery(best.values("pk")[:1])
    )
    loaded = {p.pk: p for p in papers.defer("abstract", "abstract_html", "metadata")}
    # Merged papers answer as the one the merge chain ends in (one more query a hop).
    for _ in range(MAX_MERGE_HOPS):
        merged = {p.merged_into_id for p in loaded.values() if p.merged_into_id} - set(loaded)
        if not merged:
            break
        loaded.update(
            (p.pk, p)
            for p in Paper.objects.filter(pk__in=merged)
            .annotate(best_summary_id=Subquery(best.values("pk")[:1]))
            .defer("abstract", "abstract_html", "metadata")
        )
    for entry in entries:
        paper = loaded.get(chosen[id(entry)])
        for _ in range(MAX_MERGE_HOPS):
            if paper is None or not paper.merged_into_id:
                break
            paper = loaded.get(paper.merged_into_id)
        entry.paper = paper
    return entries
