"""arXiv: the API's Atom feed for single look-ups, the public metadata snapshot (JSON Lines)
for the bulk import, and OAI-PMH for the daily harvest.

Every reader produces PaperRecords with identifiers {"arxiv": <id>, "doi": <doi>}; the site
derives arXiv's own abs/pdf links from the id, so no links are added here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from xml.parsers import expat

from django.conf import settings

from shortscience.lib.files import collector_spares_older_objects, open_maybe_gzip
from shortscience.lib.identifiers import DOI_RE, parse_arxiv
from shortscience.lib.records import AuthorInfo, ImportFailed, PaperRecord
from shortscience.papers.sources import http_client

NAME = "arXiv"

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_OAI = "{http://www.openarchives.org/OAI/2.0/}"
_OAI_ARXIV = "{http://arxiv.org/OAI/arXiv/}"

# The fields every arXiv record shares; the readers add the rest.
_VENUE: dict[str, Any] = {
    "venue_key": "journals/corr",
    "venue_name": "arXiv",
    "venue_kind": "preprint",
    "source": NAME,
}

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# What str.split() splits ASCII text on, apart from " " and "\n".
_ASCII_SPACES = ("\t", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")
_VERSION_RE = re.compile(r"v(\d+)$")
# The snapshot's `authors` is one string: "A. One, B. Two and C. Three".
_AUTHOR_SPLIT_RE = re.compile(r"\s*,\s*|\s+and\s+")


def _collapse(text: str | None) -> str:
    """Whitespace runs to one space: titles and abstracts arrive hard-wrapped.

    Equal to " ".join(text.split()), with a fast path for the common case of single line
    breaks and no other whitespace: the snapshot import calls this millions of times, and
    split-and-join costs as much per abstract as decoding its JSON.
    """
    if not text:
        return ""
    flat = text.strip().replace("\n", " ")
    if "  " in flat:
        return " ".join(flat.split())
    if flat.isascii():  # O(1): CPython knows; each `in` below is a memchr
        for space in _ASCII_SPACES:
            if space in flat:
                return " ".join(flat.split())
        return flat
    # isprintable() is False for every whitespace character but the ASCII space, but slow.
    return flat if flat.isprintable() else " ".join(flat.split())


def _first_doi(text: str | None) -> str:
    """The first well-formed DOI of a field that may hold several, space-separated."""
    for token in (text or "").split():
        if DOI_RE.match(token):
            return token
    return ""


def _version(arxiv_id: str) -> int | None:
    m = _VERSION_RE.search(arxiv_id)
    return int(m[1]) if m else None


def _iso_date(text: str | None) -> date | None:
    """The date of an ISO timestamp as arXiv writes it ("2017-07-27T08:18:33Z")."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _year_from_id(arxiv_id: str) -> int | None:
    """arXiv ids start with the submission's YYMM ("0704.0001", "hep-th/9711200");
    arXiv began in 1991, so YY >= 91 is the 1900s."""
    digits = arxiv_id.rsplit("/", 1)[-1][:2]
    if not (digits.isascii() and digits.isdigit()):
        return None
    yy = int(digits)
    return 1900 + yy if yy >= 91 else 2000 + yy


# -- XML ---------------------------------------------------------------------------------


class _RootReached(Exception):
    pass


def _refuse_doctype(payload: bytes | str, what: str) -> None:
    # The stdlib expat resolves no external entities, but internal ones can still be
    # expanded into a billion laughs; no answer we read has a DOCTYPE, so any DOCTYPE is
    # refused. This pass reads only the prolog: it stops at the root element's start tag,
    # after which a DOCTYPE cannot appear, so it costs nothing on large answers.
    def on_doctype(*args: object) -> None:
        raise ImportFailed(f"The {what} answer declares a DOCTYPE, which is refused.")

    def on_start(*args: object) -> None:
        raise _RootReached

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = on_doctype
    parser.StartElementHandler = on_start
    # A syntax error is reported, with its line, by the real parse.
    with contextlib.suppress(_RootReached, expat.ExpatError):
        parser.Parse(payload, True)


def _parse_xml(payload: bytes | str, what: str) -> ET.Element:
    _refuse_doctype(payload, what)
    try:
        return ET.fromstring(payload)  # noqa: S314 - DOCTYPEs refused above
    except ET.ParseError as e:
        raise ImportFailed(f"The {what} answer is not well-formed XML: {e}.") from e


# -- The API's Atom feed -------------------------------------------------------------------


def parse(payload: bytes | str) -> list[PaperRecord]:
    """Records of an arXiv API Atom feed (the 2016 and the current format); [] when empty."""
    root = _parse_xml(payload, "arXiv API")
    if root.tag != f"{_ATOM}feed":
        raise ImportFailed(f"The arXiv API answer is not an Atom feed (root {root.tag!r}).")
    return [_atom_entry(entry) for entry in root.findall(f"{_ATOM}entry")]


def _atom_entry(entry: ET.Element) -> PaperRecord:
    entry_id = entry.findtext(f"{_ATOM}id", "").strip()
    if "/api/errors" in entry_id:
        # The API answers a bad query with HTTP 400 and a feed of one "Error" entry.
        message = _collapse(entry.findtext(f"{_ATOM}summary")) or entry_id
        raise ImportFailed(f"arXiv refused the query: {message}.")
    if "/abs/" not in entry_id:
        raise ImportFailed(f"An arXiv API entry has no arXiv id: {entry_id!r}.")
    arxiv_id = entry_id.split("/abs/", 1)[1]

    authors = []
    for author in entry.findall(f"{_ATOM}author"):
        authors.append(
            AuthorInfo(
                name=_collapse(author.findtext(f"{_ATOM}name")),
                affiliation=_collapse(author.findtext(f"{_ARXIV}affiliation")),
            )
        )

    primary = entry.find(f"{_ARXIV}primary_category")
    primary_term = primary.get("term", "") if primary is not None else ""
    keywords = [primary_term] if primary_term else []
    for category in entry.findall(f"{_ATOM}category"):
        term = category.get("term", "")
        if term and term not in keywords:
            keywords.append(term)

    published = _iso_date(entry.findtext(f"{_ATOM}published"))
    updated = _iso_date(entry.findtext(f"{_ATOM}updated"))
    extra = {
        "primary_category": primary_term,
        "journal_ref": _collapse(entry.findtext(f"{_ARXIV}journal_ref")),
        "comments": _collapse(entry.findtext(f"{_ARXIV}comment")),
        "versions": _version(arxiv_id),
        "updated": updated.isoformat() if updated else None,
    }
    identifiers = {"arxiv": arxiv_id}
    doi = _first_doi(entry.findtext(f"{_ARXIV}doi"))
    if doi:
        identifiers["doi"] = doi
    return PaperRecord(
        title=_collapse(entry.findtext(f"{_ATOM}title")),
        authors=authors,
        abstract=_collapse(entry.findtext(f"{_ATOM}summary")),
        published=published,
        updated=updated,
        year=published.year if published else None,
        keywords=keywords,
        identifiers=identifiers,
        # Facts the feed does not carry are left out rather than stored empty.
        extra={k: v for k, v in extra.items() if v},
        **_VENUE,
    )


def fetch(identifier: str) -> PaperRecord | None:
    """One paper from the arXiv API; the version asked for, or the latest when none is."""
    ident = parse_arxiv(identifier)
    if ident is None:
        raise ImportFailed(f"{identifier!r} is not an arXiv identifier.")
    response = http_client().get(
        settings.ARXIV_API_URL, params={"id_list": ident.display, "max_results": 1}
    )
    if response.status not in (200, 400):
        raise ImportFailed(f"The arXiv API answered HTTP {response.status}.")
    records = parse(response.body)  # raises the API's own message for a 400
    if response.status == 400:
        raise ImportFailed("The arXiv API answered HTTP 400 without saying why.")
    for record in records:
        found = parse_arxiv(record.identifiers["arxiv"])
        # Whatever else the API sends back, only the paper asked for is an answer.
        if found is not None and found.value == ident.value:
            return record
    return None


# -- The metadata snapshot (JSON Lines) ----------------------------------------------------


def _snapshot_date(text: str | None) -> date | None:
    """The date of "Mon, 2 Apr 2007 19:18:42 GMT", without a general date parser: this
    runs millions of times, and the snapshot writes every date this one way."""
    if not text:
        return None
    parts = text.split()
    try:
        return date(int(parts[3]), _MONTHS[parts[2]], int(parts[1]))
    except (IndexError, KeyError, ValueError):
        pass
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError):
        return None


_decode_json = json.JSONDecoder().decode  # what json.loads uses, without its checks


def _loads(line: str | bytes) -> Any:
    """json.loads(line), for a line read as bytes a third cheaper: json.loads first guesses
    the encoding from the first bytes (a BOM, the zero bytes of UTF-16 and UTF-32), which
    for a line that opens an object with "{" and no zero byte after it is always UTF-8."""
    if isinstance(line, bytes) and line[:1] == b"{" and line[1:2] != b"\x00":
        return _decode_json(line.decode("utf-8", "surrogatepass"))
    return json.loads(line)


def parse_snapshot_line(line: str | bytes, line_number: int) -> PaperRecord:
    """One record of the public arXiv metadata snapshot (arxiv-metadata-oai-snapshot.json)."""
    try:
        data = _loads(line)
    except ValueError as e:
        raise ImportFailed(f"line {line_number}: not JSON ({e})") from e
    if not isinstance(data, dict):
        raise ImportFailed(f"line {line_number}: not a JSON object")
    try:
        record = _snapshot_record(data)
    except ImportFailed as e:
        raise ImportFailed(f"line {line_number}: {e}") from e
    except (AttributeError, TypeError, ValueError, IndexError, KeyError) as e:
        # A field of an unexpected type ("versions": "v1", a number for a title, ...).
        raise ImportFailed(f"line {line_number}: unreadable record ({e!r})") from e
    # The line itself fingerprints the record: hashing its bytes costs a twentieth of
    # hashing the parsed fields, and an unchanged line is an unchanged record.
    raw = line if isinstance(line, bytes) else line.encode()
    record.source_digest = hashlib.sha1(raw.strip(), usedforsecurity=False).hexdigest()
    return record


def _snapshot_record(data: dict) -> PaperRecord:
    arxiv_id = (data.get("id") or "").strip()
    title = _collapse(data.get("title"))
    if not arxiv_id:
        raise ImportFailed("record without an id")
    if not title:
        raise ImportFailed(f"{arxiv_id}: record without a title")

    parsed = data.get("authors_parsed")
    if parsed:
        authors = []
        for parts in parsed:
            # [last, first, suffix] -> "First Last Suffix". Names are short and clean, so
            # _collapse's checks would cost more than the rare fix-up here.
            if len(parts) >= 3 and parts[2]:
                name = f"{parts[1]} {parts[0]} {parts[2]}".strip()
            elif len(parts) >= 2:
                name = f"{parts[1]} {parts[0]}".strip()
            else:
                name = " ".join(parts).strip()
            if "  " in name or "\n" in name:
                name = " ".join(name.split())
            if name:
                authors.append(AuthorInfo(name))
    else:
        authors = [
            AuthorInfo(name=name)
            for name in _AUTHOR_SPLIT_RE.split(_collapse(data.get("authors")))
            if name
        ]

    versions = data.get("versions") or []
    published: date | None = None
    updated: date | None = None
    latest = 0
    if versions:
        published = _snapshot_date(versions[0].get("created"))
        last = versions[-1]
        latest = int(last.get("version", "v0")[1:] or 0)
        # Most papers have one version, whose date is already read.
        updated = published if len(versions) == 1 else _snapshot_date(last.get("created"))
    if updated is None:
        # update_date is when arXiv last touched the metadata, the nearest fact there is.
        updated = _iso_date(data.get("update_date"))

    categories = (data.get("categories") or "").split()
    identifiers = {"arxiv": f"{arxiv_id}v{latest}" if latest else arxiv_id}
    doi = _first_doi(data.get("doi"))
    if doi:
        identifiers["doi"] = doi
    extra = {
        "primary_category": categories[0] if categories else "",
        "journal_ref": _collapse(data.get("journal-ref")),
        "comments": _collapse(data.get("comments")),
        "license": data.get("license") or "",
        "report_no": _collapse(data.get("report-no")),
        "versions": len(versions),
        "updated": updated.isoformat() if updated else "",
    }
    return PaperRecord(
        title=title,
        authors=authors,
        abstract=_collapse(data.get("abstract")),
        published=published,
        updated=updated,
        # Without versions the id still tells the month of submission.
        year=published.year if published else _year_from_id(arxiv_id),
        keywords=categories,
        identifiers=identifiers,
        extra={k: v for k, v in extra.items() if v},
        **_VENUE,
    )


def iter_snapshot(path: str | Path) -> Iterator[tuple[int, PaperRecord | ImportFailed]]:
    """(line number, record or the reason it could not be read) for each line of a snapshot
    file, plain or gzipped, in constant memory; the caller decides whether to skip or stop."""
    with collector_spares_older_objects(), open_maybe_gzip(path) as lines:
        for line_number, line in enumerate(lines, 1):
            if not line or line.isspace():  # not line.strip(), which copies every line
                continue
            try:
                yield line_number, parse_snapshot_line(line, line_number)
            except ImportFailed as e:
                yield line_number, e


# -- OAI-PMH -------------------------------------------------------------------------------


def parse_oai(payload: bytes | str) -> tuple[list[PaperRecord], str | None]:
    """One ListRecords page in arXiv's "arXiv" metadata format: (records, resumption token
    or None on the last page). Deleted records, which carry no metadata, are left out."""
    root = _parse_xml(payload, "arXiv OAI-PMH")
    if root.tag != f"{_OAI}OAI-PMH":
        raise ImportFailed(f"The arXiv OAI-PMH answer is not OAI-PMH (root {root.tag!r}).")
    error = root.find(f"{_OAI}error")
    if error is not None:
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return [], None
        raise ImportFailed(f"arXiv OAI-PMH error {code}: {_collapse(error.text)}")
    list_records = root.find(f"{_OAI}ListRecords")
    if list_records is None:
        raise ImportFailed("The arXiv OAI-PMH answer has no ListRecords.")
    records = []
    for record in list_records.iter(f"{_OAI}record"):
        header = record.find(f"{_OAI}header")
        if header is not None and header.get("status") == "deleted":
            continue
        metadata = record.find(f"{_OAI}metadata/{_OAI_ARXIV}arXiv")
        if metadata is None:
            raise ImportFailed("An arXiv OAI-PMH record has no metadata in the arXiv format.")
        records.append(_oai_record(metadata))
    token = _collapse(list_records.findtext(f"{_OAI}resumptionToken"))
    return records, token or None


def _oai_record(meta: ET.Element) -> PaperRecord:
    def text(name: str) -> str:
        return _collapse(meta.findtext(f"{_OAI_ARXIV}{name}"))

    # The "arXiv" format names no version, so the id is stored without one.
    arxiv_id = text("id")
    title = text("title")
    if not arxiv_id or not title:
        raise ImportFailed(f"An arXiv OAI-PMH record lacks an id or a title ({arxiv_id!r}).")
    authors = [_oai_author(a) for a in meta.iter(f"{_OAI_ARXIV}author")]
    published = _iso_date(text("created"))
    # <updated> is absent while there is only one version; the API then gives that date.
    updated = _iso_date(text("updated")) or published
    categories = text("categories").split()
    identifiers = {"arxiv": arxiv_id}
    doi = _first_doi(text("doi"))
    if doi:
        identifiers["doi"] = doi
    extra = {
        # The format lists the primary category first.
        "primary_category": categories[0] if categories else "",
        "journal_ref": text("journal-ref"),
        "comments": text("comments"),
        "license": text("license"),
        "report_no": text("report-no"),
        "updated": updated.isoformat() if updated else "",
    }
    return PaperRecord(
        title=title,
        authors=[a for a in authors if a.name],
        abstract=text("abstract"),
        published=published,
        updated=updated,
        year=published.year if published else _year_from_id(arxiv_id),
        keywords=categories,
        identifiers=identifiers,
        extra={k: v for k, v in extra.items() if v},
        **_VENUE,
    )


def _oai_author(author: ET.Element) -> AuthorInfo:
    def part(name: str) -> str:
        return _collapse(author.findtext(f"{_OAI_ARXIV}{name}"))

    name = " ".join(p for p in (part("forenames"), part("keyname"), part("suffix")) if p)
    return AuthorInfo(name=name, affiliation=part("affiliation"))


def harvest(
    from_date: date, set_spec: str | None, until: date | None = None
) -> Iterator[PaperRecord]:
    """Every record arXiv's OAI-PMH lists as changed since from_date, page after page."""
    params: dict[str, str] = {
        "verb": "ListRecords",
        "metadataPrefix": "arXiv",
        "from": from_date.isoformat(),
    }
    if until is not None:
        params["until"] = until.isoformat()
    if set_spec:
        params["set"] = set_spec
    client = http_client()
    url = settings.ARXIV_OAI_URL
    seen: set[str] = set()
    while True:
        # arXiv's flow control answers 503 with Retry-After between pages, which the
        # client waits out. No cache: a resumption token is good for one request only.
        response = client.get(url, params=params, use_cache=False)
        if response.status != 200:
            raise ImportFailed(f"arXiv OAI-PMH answered HTTP {response.status}.")
        records, token = parse_oai(response.body)
        yield from records
        if token is None:
            return
        if token in seen:
            raise ImportFailed(f"arXiv OAI-PMH repeated the resumption token {token!r}.")
        seen.add(token)
        # OAI-PMH: a request with a resumptionToken carries no other argument but the verb.
        params = {"verb": "ListRecords", "resumptionToken": token}
