"""What an importer knows about a paper before it is in the library.

Framework-free: every importer (arXiv, Crossref, DBLP, OpenReview, BibTeX) parses its
source into PaperRecords, and papers.services writes them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

SOURCES = ("arXiv", "Crossref", "DBLP", "OpenReview", "BibTeX", "manual")
VENUE_KINDS = ("conference", "journal", "preprint", "other")


class ImportFailed(Exception):
    """A source's answer or a pasted text that cannot be read; the message is for people."""


@dataclass
class AuthorInfo:
    name: str  # display name, e.g. "Wei Wang"
    orcid: str = ""  # bare iD, e.g. "0000-0002-1825-0097"
    affiliation: str = ""
    match_name: str = ""  # the source's disambiguated form, e.g. DBLP's "Wei Wang 0001"


@dataclass
class PaperRecord:
    title: str
    authors: list[AuthorInfo] = field(default_factory=list)
    # Plain text with TeX math in $..$, as arXiv abstracts are; importers convert other
    # formats (Crossref's JATS) into this, and the site typesets it at import time.
    abstract: str = ""
    year: int | None = None
    published: date | None = None  # first published
    updated: date | None = None
    venue_key: str = ""  # DBLP-style prefix: conf/nips, journals/jmlr, journals/corr
    venue_name: str = ""
    venue_kind: str = "other"  # one of VENUE_KINDS
    keywords: list[str] = field(default_factory=list)
    source: str = "manual"  # one of SOURCES
    identifiers: dict[str, str] = field(default_factory=dict)  # kind -> value (arXiv with version)
    links: list[dict[str, str]] = field(default_factory=list)  # [{"label": "PDF", "url": ...}]
    # Source-specific facts worth keeping: primary_category, journal_ref, comments,
    # publisher, type, versions, license, ...
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.authors = [
            a if isinstance(a, AuthorInfo) else AuthorInfo(name=str(a)) for a in self.authors
        ]
        if self.published and not self.year:
            self.year = self.published.year

    def match_key(self) -> str:
        return match_key(self.title, self.authors[0].name if self.authors else "", self.year)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("published", "updated"):
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PaperRecord:
        data = dict(data)
        for name in ("published", "updated"):
            data[name] = date.fromisoformat(data[name]) if data.get(name) else None
        data["authors"] = [AuthorInfo(**a) for a in data.get("authors", [])]
        return cls(**data)


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits only: 'Schrödinger's Cat!' -> 'schrodingerscat'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return re.sub(
        r"[^a-z0-9]", "", "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    )


def surname(name: str) -> str:
    name = re.sub(r"\s+\d{4}$", "", name.strip())  # DBLP's "Wei Wang 0001"
    if "," in name:
        return name.split(",", 1)[0]
    parts = name.split()
    return parts[-1] if parts else ""


def match_key(title: str, first_author: str, year: int | None) -> str:
    """The second way two records are found to be one paper, after identifiers:
    the same normalized title, first author's surname and year."""
    t = fold(title)
    if not t:
        return ""
    return f"{t[:200]}|{fold(surname(first_author))}|{year or ''}"
