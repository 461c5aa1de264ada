"""What an importer knows about a paper before it is in the library.

Framework-free: every importer (arXiv, Crossref, DBLP, OpenReview, BibTeX) parses its
source into PaperRecords, and papers.services writes them.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from shortscience.lib.text import clean, clean_line

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
    # A fingerprint the source computed more cheaply than digest() could (arXiv's snapshot
    # hashes its raw line); bulk imports compare it with the one stored at the last import.
    source_digest: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        # Importers pass AuthorInfo; plain names (tests, the demo) are wrapped. Checking the
        # first only keeps this off the profile of a bulk import.
        if self.authors and not isinstance(self.authors[0], AuthorInfo):
            self.authors = [
                a if isinstance(a, AuthorInfo) else AuthorInfo(name=str(a)) for a in self.authors
            ]
        if self.published and not self.year:
            self.year = self.published.year
        self._clean_text()

    def _clean_text(self) -> None:
        """Every importer's record passes here, so its text is cleaned once, here
        (lib/text.py): a control character in a title or an author's name made every feed
        showing the paper answer 500. Names, titles, keys and identifiers become one line."""
        lines = [self.title, self.venue_key, self.venue_name, *self.keywords]
        lines += self.identifiers.values()
        for a in self.authors:
            lines += (a.name, a.orcid, a.affiliation, a.match_name)
        # One look at the short fields together, one at the long ones: a bulk import makes a
        # million records, nearly all clean. A call per field took 16 us a snapshot record
        # (half as long as parsing it), these two looks 3.5 us.
        probe = "".join(lines)
        if clean_line(probe) is not probe:
            self.title = clean_line(self.title)
            self.venue_key = clean_line(self.venue_key)
            self.venue_name = clean_line(self.venue_name)
            self.keywords = [clean_line(k) for k in self.keywords]
            self.identifiers = {k: clean_line(v) for k, v in self.identifiers.items()}
            self.authors = [
                AuthorInfo(
                    name=clean_line(a.name),
                    orcid=clean_line(a.orcid),
                    affiliation=clean_line(a.affiliation),
                    match_name=clean_line(a.match_name),
                )
                for a in self.authors
            ]
        # The abstract and the source's facts the same way (multi-line: these keep newlines).
        texts, nested = [self.abstract], False
        for value in self.extra.values():
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, (list, dict)):
                nested = True
        probe = "".join(texts)
        if nested or clean(probe) is not probe:
            self.abstract = clean(self.abstract)
            self.extra = _cleaned(self.extra)
        if self.links:
            self.links = _cleaned(self.links)

    def match_key(self) -> str:
        return match_key(self.title, self.authors[0].name if self.authors else "", self.year)

    def digest(self) -> str:
        """A fingerprint of everything the record says, to tell an unchanged record from a
        changed one without reading the paper back (hand-rolled: dataclasses.asdict was the
        slowest step of a bulk import)."""
        if self.source_digest:
            return self.source_digest
        parts = [
            self.title,
            self.abstract,
            str(self.year),
            str(self.published),
            str(self.updated),
            self.venue_key,
            self.venue_name,
            self.venue_kind,
            self.source,
            "\x1f".join(self.keywords),
            "\x1f".join(
                f"{a.name}\x1e{a.orcid}\x1e{a.affiliation}\x1e{a.match_name}" for a in self.authors
            ),
            "\x1f".join(f"{k}={v}" for k, v in sorted(self.identifiers.items())),
            json.dumps(self.links, sort_keys=True, default=str) if self.links else "",
            json.dumps(self.extra, sort_keys=True, default=str) if self.extra else "",
        ]
        return hashlib.sha1("\x1d".join(parts).encode(), usedforsecurity=False).hexdigest()

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


def _cleaned(value: Any) -> Any:
    """A record's links or extra facts with every string in them cleaned (lib/text.py)."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    if isinstance(value, dict):
        return {k: _cleaned(v) for k, v in value.items()}
    return value


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# Letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "\u0131": "i",
        "þ": "th",
        "Þ": "Th",
        "ð": "d",
    }
)


# What fold() drops from ASCII text once lower-cased: every byte but a-z and 0-9.
_ASCII_NOT_ALNUM = bytes(
    c for c in range(128) if chr(c) not in string.ascii_lowercase + string.digits
)
_DBLP_NUMBER = re.compile(r"\s+\d{4}$")


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits only: 'Schrödinger's Cat!' -> 'schrodingerscat'."""
    if not text.isascii():
        # NFKD splits "ö" into "o" and a combining mark, which _NOT_ALNUM then drops.
        text = unicodedata.normalize("NFKD", text.translate(_UNDECOMPOSED))
        if not text.isascii():
            return _NOT_ALNUM.sub("", text.casefold())
    # The same for ASCII text (casefold() is lower() there) at a sixth of the regex's cost:
    # a bulk import folds two strings per record.
    return text.lower().encode("ascii").translate(None, _ASCII_NOT_ALNUM).decode("ascii")


def surname(name: str) -> str:
    name = _DBLP_NUMBER.sub("", name.strip())  # DBLP's "Wei Wang 0001"
    if "," in name:
        return name.split(",", 1)[0]
    parts = name.split()
    return parts[-1] if parts else ""


def match_key(title: str, first_author: str, year: int | None) -> str:
    """The second way two records are found to be one paper, after identifiers:
    the same normalized title, first author's surname and year."""
    t = fold(title[:400])
    if not t:
        return ""
    return f"{t[:200]}|{fold(surname(first_author))}|{year or ''}"
