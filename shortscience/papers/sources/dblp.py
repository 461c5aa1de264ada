"""DBLP: one record by key (`/rec/KEY.xml`), dblp's BibTeX, and the full dblp.xml dump.

A DBLP key names its venue in its first two segments (conf/nips/VaswaniSPUJGKP17 ->
conf/nips), which is the venue key the site uses everywhere.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import cache
from html.entities import name2codepoint
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, quote, unquote, urlsplit

from django.conf import settings

from shortscience.lib.files import open_maybe_gzip
from shortscience.lib.identifiers import arxiv_from_dblp_key, parse_arxiv, parse_dblp, parse_doi
from shortscience.lib.records import AuthorInfo, ImportFailed, PaperRecord
from shortscience.papers.sources import bibtex, http_client

NAME = "DBLP"

# Publication records; `www` (person pages) and anything else at the top level is skipped.
RECORD_TAGS = {
    "article",
    "inproceedings",
    "proceedings",
    "book",
    "incollection",
    "phdthesis",
    "mastersthesis",
}
CHUNK = 1 << 20
_DISAMBIGUATION = re.compile(r"\s+\d{4}$")  # "Wei Wang 0001"
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
# An XML declaration and a DOCTYPE (with or without an internal subset) at the start.
_PROLOG = re.compile(
    rb"^(?P<bom>\xef\xbb\xbf)?(?P<decl>\s*<\?xml[^>]*\?>)?(?P<doctype>\s*<!DOCTYPE\s[^\[>]*(?:\[.*?\]\s*)?>)?",
    re.DOTALL,
)


# -- XML with dblp's named entities -------------------------------------------------------


@cache
def _doctype() -> bytes:
    """A DOCTYPE declaring the HTML 4 / Latin-1 named entities (&uuml;, &eacute;, ...).

    The dump declares them in dblp.dtd, which is rarely beside it and which expat would not
    read anyway; declaring them in an internal subset lets the stock parser stream the dump
    unchanged. XML's own five are predefined and left out.
    """
    declarations = "".join(
        f'<!ENTITY {name} "&#{codepoint};">'
        for name, codepoint in sorted(name2codepoint.items())
        if name not in ("amp", "lt", "gt", "quot", "apos")
    )
    # On one line, so that the line numbers of a parse error are the document's own.
    return f"<!DOCTYPE dblp [{declarations}]>".encode("ascii")


def _with_entities(head: bytes) -> bytes:
    """The start of a document with its DOCTYPE replaced by ours. Whatever DOCTYPE came is
    dropped, internal subset and all, so the document can declare no entities of its own
    (no billion laughs): only ours, each one character long."""
    m = _PROLOG.match(head)
    assert m is not None  # every group is optional
    # The line breaks of the DOCTYPE replaced stay, so a parse error's line is the file's.
    breaks = b"\n" * (m["doctype"] or b"").count(b"\n")
    return (m["bom"] or b"") + (m["decl"] or b"") + breaks + _doctype() + head[m.end() :]


def _parse_xml(payload: bytes | str) -> ET.Element:
    if isinstance(payload, str):
        # The declaration's encoding (US-ASCII, ISO-8859-1) no longer applies to text.
        payload = re.sub(r"^\s*<\?xml[^>]*\?>", "", payload).encode("utf-8")
    try:
        return ET.fromstring(_with_entities(payload))  # noqa: S314 - entities are ours only
    except ET.ParseError as e:
        raise ImportFailed(f"DBLP's answer is not well-formed XML: {e}.") from e


# -- Records --------------------------------------------------------------------------------


def parse(payload: bytes | str) -> list[PaperRecord]:
    """A `/rec/KEY.xml` answer (<dblp><article ...>, or the bare record) -> its records."""
    root = _parse_xml(payload)
    if root.tag == "dblp":
        return [_record(element) for element in root if element.tag in RECORD_TAGS]
    if root.tag in RECORD_TAGS:
        return [_record(root)]
    if root.tag == "www":
        return []
    raise ImportFailed(f"DBLP's answer is not a dblp record (root {root.tag!r}).")


def fetch(key: str) -> PaperRecord | None:
    ident = parse_dblp(key)
    if ident is None:
        raise ImportFailed(f"{key!r} is not a DBLP key.")
    base = settings.DBLP_URL.rstrip("/")
    response = http_client().get(f"{base}/rec/{quote(ident.value, safe='/')}.xml")
    if response.status in (404, 410):  # 410: a record dblp has withdrawn
        return None
    if response.status != 200:
        raise ImportFailed(f"DBLP answered HTTP {response.status} for {ident.value}.")
    records = parse(response.body)
    return records[0] if records else None


def _text(element: ET.Element) -> str:
    """An element's text with inline markup (<i>, <sub>, <sup>) flattened."""
    if len(element):
        return " ".join("".join(element.itertext()).split())
    return " ".join((element.text or "").split())


def _fields(element: ET.Element) -> dict[str, list[str]]:
    # One pass over the children instead of a find() per field: the dump has millions.
    fields: dict[str, list[str]] = {}
    for child in element:
        text = _text(child)
        if text:
            fields.setdefault(child.tag, []).append(text)
    return fields


def _record(element: ET.Element) -> PaperRecord:
    key = element.get("key", "")
    fields = _fields(element)

    def first(tag: str) -> str:
        return fields.get(tag, [""])[0]

    title = first("title")
    # dblp ends every title with a period (unless it ends in ? or !), which is not the paper's.
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    if not title:
        raise ImportFailed(f"The dblp record {key or '(no key)'} has no title.")
    year = first("year")
    identifiers, links = _identifiers_and_links(key, fields.get("ee", []))
    extra = {
        name: value
        for name, value in (
            ("pages", first("pages")),
            ("volume", first("volume")),
            ("publtype", element.get("publtype", "")),
        )
        if value
    }
    return PaperRecord(
        title=title,
        authors=[_author(name) for name in fields.get("author", [])],
        year=int(year) if year.isascii() and year.isdigit() else None,
        venue_key=_venue_key(key),
        venue_name=first("booktitle") or first("journal"),
        venue_kind=_venue_kind(key),
        source=NAME,
        identifiers=identifiers,
        links=links,
        extra=extra,
    )


def _author(dblp_name: str) -> AuthorInfo:
    return AuthorInfo(name=_DISAMBIGUATION.sub("", dblp_name), match_name=dblp_name)


def _venue_key(key: str) -> str:
    parts = key.split("/")
    return "/".join(parts[:2]) if len(parts) >= 3 else ""


def _venue_kind(key: str) -> str:
    if key.startswith("conf/"):
        return "conference"
    if key.startswith("journals/corr/"):
        return "preprint"  # CoRR is dblp's mirror of arXiv
    if key.startswith("journals/"):
        return "journal"
    return "other"


def _identifiers_and_links(
    key: str, urls: list[str]
) -> tuple[dict[str, str], list[dict[str, str]]]:
    identifiers = {"dblp": key} if key else {}
    links: list[dict[str, str]] = []
    for url in urls:
        kind, value = _identifier_in(url)
        if kind and kind not in identifiers:
            identifiers[kind] = value
        elif all(link["url"] != url for link in links):
            links.append({"label": "Publisher", "url": url})
    if "arxiv" not in identifiers:
        hidden = arxiv_from_dblp_key(key)  # journals/corr/abs-1707-06684
        if hidden:
            identifiers["arxiv"] = hidden.display
    return identifiers, links


def _identifier_in(url: str) -> tuple[str, str]:
    """(kind, value) when an electronic-edition link is an identifier we keep as one."""
    if "doi.org/" not in url and "arxiv.org/" not in url and "openreview.net/" not in url:
        return "", ""  # most links; spares a URL parse each
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    path = unquote(parts.path)
    if host in ("doi.org", "dx.doi.org", "www.doi.org"):
        doi = parse_doi(path.lstrip("/"))
        if doi is None:
            return "", ""
        # arXiv registers DOIs for its papers (10.48550/arXiv.2509.05821); the arXiv id
        # says more, and the site derives the arXiv links from it.
        m = _ARXIV_DOI.match(doi.display)
        arxiv = parse_arxiv(m[1]) if m else None
        if arxiv:
            return "arxiv", arxiv.display
        return "doi", doi.display
    if host.endswith("arxiv.org"):
        m = re.match(r"^/(?:abs|pdf)/(.+?)(?:\.pdf)?/?$", path)
        arxiv = parse_arxiv(m[1]) if m else None
        return ("arxiv", arxiv.display) if arxiv else ("", "")
    if host.endswith("openreview.net"):
        forum = parse_qs(parts.query).get("id", [""])[0]
        return ("openreview", forum) if forum else ("", "")
    return "", ""


# -- The dump -------------------------------------------------------------------------------


def iter_dump(path: str | Path) -> Iterator[tuple[int, PaperRecord | ImportFailed]]:
    """(position, record or the reason it could not be read) for each publication in a
    dblp.xml dump, plain or gzipped, in constant memory.

    The position counts every top-level record, `www` person records included, so it
    names the same record in the same dump whatever is skipped. A dump that stops being
    well-formed XML raises ImportFailed after the records before the fault.
    """
    position = 0
    depth = 0
    root: ET.Element | None = None
    with open_maybe_gzip(path) as stream:
        try:
            for event, element in _events(stream):
                if event == "start":
                    depth += 1
                    if root is None:
                        root = element
                    continue
                depth -= 1
                if depth != 1:
                    continue
                position += 1
                if element.tag in RECORD_TAGS:
                    try:
                        yield position, _record(element)
                    except ImportFailed as e:
                        yield position, e
                # Detach what is done, or the tree would grow to the whole dump. Records
                # after this one may be half-built already; the parser still holds them, so
                # they are completed and reported as usual.
                assert root is not None
                root.clear()
        except ET.ParseError as e:
            raise ImportFailed(
                f"The dblp dump is not well-formed XML after record {position}: {e}."
            ) from e


def _events(stream: IO[bytes]) -> Iterator[tuple[str, ET.Element]]:
    """start/end events of a byte stream, read chunk by chunk; a syntax error is raised
    after the events that came before it."""
    parser = ET.XMLPullParser(events=("start", "end"))
    # The prolog sits at the very start, well inside the first chunk.
    chunk = _with_entities(stream.read(CHUNK))
    while chunk:
        parser.feed(chunk)
        yield from parser.read_events()
        chunk = stream.read(CHUNK)
    parser.close()  # raises if the dump stops short
    yield from parser.read_events()


# -- BibTeX ---------------------------------------------------------------------------------


def parse_bibtex(payload: bytes | str) -> list[PaperRecord]:
    """dblp's BibTeX (standard, crossref or condensed) -> records as parse() makes them.

    The BibTeX reader does the reading, and already takes the dblp key from `DBLP:...` or
    the biburl, the arXiv id from eprint, and hides a crossref'd @proceedings; here the
    records become DBLP's: the venue from the key, the disambiguated author names.
    """
    records = bibtex.parse(payload)
    for record in records:
        key = record.identifiers.get("dblp", "")
        if not key:
            continue  # not an entry dblp wrote; left as the BibTeX reader made it
        record.source = NAME
        record.venue_key = _venue_key(key)
        record.venue_kind = _venue_kind(key)
        record.authors = [
            AuthorInfo(
                name=_DISAMBIGUATION.sub("", a.name),
                orcid=a.orcid,
                affiliation=a.affiliation,
                match_name=a.name,
            )
            for a in record.authors
        ]
    return records
