"""A reading list as a reference manager reads it: BibTeX (discovery/bibtex.py, the site's
one BibTeX writer), RIS and CSL-JSON. Papers come from PaperQuerySet.with_details(), each
with the list's note for it."""

from __future__ import annotations

import json
from collections.abc import Iterable

from shortscience.discovery import bibtex
from shortscience.lib import records
from shortscience.papers.models import Paper, Venue
from shortscience.web.links import absolute

# RIS type and CSL type of a paper, by its venue's kind.
_RIS_TYPES = {Venue.Kind.CONFERENCE: "CPAPER", Venue.Kind.JOURNAL: "JOUR"}
_CSL_TYPES = {Venue.Kind.CONFERENCE: "paper-conference", Venue.Kind.JOURNAL: "article-journal"}


def _kind(paper: Paper) -> str:
    return paper.venue.kind if paper.venue_id else ""


def _ids(paper: Paper) -> tuple[str, str]:
    doi = paper.identifier("doi")
    arxiv = paper.identifier("arxiv")
    return (doi.display or doi.value) if doi else "", arxiv.value if arxiv else ""


def _url(paper: Paper) -> str:
    return absolute(paper.get_absolute_url())


def _line(text: str) -> str:
    """A value on one RIS line: RIS has no escapes, and a newline would start a new tag."""
    return " ".join(text.split())


def bibtex_entries(items: Iterable[tuple[Paper, str]]) -> str:
    """BibTeX has no field reference managers agree on for a note: the papers alone."""
    return bibtex.entries(paper for paper, _ in items)


def ris(items: Iterable[tuple[Paper, str]]) -> str:
    """RIS, one record per paper: TY first and ER last, as the format asks."""
    out = []
    for paper, note in items:
        lines = [("TY", _RIS_TYPES.get(_kind(paper), "GEN")), ("TI", _line(paper.title_text))]
        lines += [("AU", _line(a.name)) for a in paper.ordered_authors if a.name.strip()]
        if paper.year:
            lines.append(("PY", str(paper.year)))
        if paper.venue_id and _kind(paper) != Venue.Kind.PREPRINT:
            lines.append(("T2", _line(paper.venue.name)))
        doi, arxiv = _ids(paper)
        if doi:
            lines.append(("DO", doi))
        if arxiv:
            lines.append(("UR", f"https://arxiv.org/abs/{arxiv}"))
        lines.append(("UR", _url(paper)))
        if note:
            lines.append(("N1", _line(note)))
        lines.append(("ER", ""))
        out.append("\r\n".join(f"{tag}  - {value}".rstrip() for tag, value in lines))
    return "\r\n\r\n".join(out) + ("\r\n" if out else "")


def _csl_name(name: str) -> dict[str, str]:
    """'Ada King Lovelace' -> family Lovelace, given Ada King (as BibTeX reads it); a name
    with no given part stays whole ("literal"), as CSL asks for an organisation's."""
    name = " ".join(name.split())
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
    else:
        family = records.surname(name)
        given = name[: name.rfind(family)].strip() if family and family in name else ""
    return {"family": family, "given": given} if family and given else {"literal": name}


def csl_json(items: Iterable[tuple[Paper, str]]) -> str:
    """CSL-JSON: what Zotero, Mendeley, pandoc and citeproc read."""
    out = []
    for paper, note in items:
        record: dict = {
            "id": f"shortscience-{paper.pk}",
            "type": _CSL_TYPES.get(_kind(paper), "article"),
            "title": paper.title_text,
            "author": [_csl_name(a.name) for a in paper.ordered_authors if a.name.strip()],
            "URL": _url(paper),
        }
        if paper.year:
            record["issued"] = {"date-parts": [[paper.year]]}
        if paper.venue_id and _kind(paper) != Venue.Kind.PREPRINT:
            record["container-title"] = paper.venue.name
        doi, arxiv = _ids(paper)
        if doi:
            record["DOI"] = doi
        if arxiv:
            record["number"] = f"arXiv:{arxiv}"
            if not doi:
                record["publisher"] = "arXiv"
        if note:
            record["note"] = note
        out.append(record)
    return json.dumps(out, ensure_ascii=False, indent=1)


# A list's exports: format -> (writer, content type, file suffix).
FORMATS = {
    "bibtex": (bibtex_entries, "text/plain; charset=utf-8", "bib"),
    "ris": (ris, "application/x-research-info-systems; charset=utf-8", "ris"),
    "csl": (csl_json, "application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}
