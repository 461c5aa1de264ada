"""Crossref: one work by DOI from the REST API (`/works/{doi}`), or a `/works?...` list.

Crossref relays what publishers deposit, so titles carry inline HTML (`<i>`, `<scp>`) and
abstracts come as JATS XML; both are turned into our plain text with $..$ math here.
"""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings

from shortscience.lib.identifiers import parse_arxiv, parse_doi
from shortscience.lib.records import AuthorInfo, ImportFailed, PaperRecord
from shortscience.papers.sources import http_client

NAME = "Crossref"

VENUE_KINDS = {
    "journal-article": "journal",
    "proceedings-article": "conference",
    "posted-content": "preprint",
}
# The dates a work carries, any of which may be missing or partial ([[2017]], [[2017, 6]]).
DATE_FIELDS = ("published-print", "published-online", "issued", "created")
ORCID_PREFIX = re.compile(r"^https?://orcid\.org/", re.IGNORECASE)


def parse(payload: bytes | str) -> list[PaperRecord]:
    """A `/works/{doi}` answer -> one record; a `/works?...` answer -> one per item."""
    try:
        data = json.loads(payload)
    except ValueError:
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
        raise ImportFailed(f"Crossref's answer is not JSON: {text.strip()[:200]!r}") from None
    if not isinstance(data, dict):
        raise ImportFailed("Crossref's answer is not a JSON object.")
    if data.get("status") != "ok":
        raise ImportFailed(f"Crossref refused the request: {_error_message(data)}")
    message = data.get("message")
    if not isinstance(message, dict):
        raise ImportFailed("Crossref's answer has no message.")
    if "items" in message:
        # A search lists whatever Crossref holds, including title-less components and
        # datasets; an item we cannot name is left out rather than failing the whole page.
        return [_record(item) for item in message["items"] or [] if _title(item)]
    return [_record(message)]


def fetch(doi: str) -> PaperRecord | None:
    ident = parse_doi(doi)
    if ident is None:
        raise ImportFailed(f"{doi!r} is not a DOI.")
    base = settings.CROSSREF_API_URL.rstrip("/")
    # Keep '/' so the path reads as Crossref documents it (/works/10.1109/abc); quote the
    # rest, as DOIs may hold '#', '?', ';' or '<'.
    response = http_client().get(
        f"{base}/works/{quote(ident.display, safe='/')}", accept="application/json"
    )
    if response.status == 404:
        return None
    if response.status != 200:
        raise ImportFailed(
            f"Crossref answered HTTP {response.status} for {ident.display}: "
            f"{_error_message(_decoded(response.body))}"
        )
    records = parse(response.body)
    return records[0] if records else None


def _decoded(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace").strip()[:200]


def _error_message(data: Any) -> str:
    if isinstance(data, dict):
        message = data.get("message")
        if isinstance(message, list):
            parts = [
                str(m.get("message") or m.get("type") or m) if isinstance(m, dict) else str(m)
                for m in message
            ]
            return "; ".join(parts) or "no reason given"
        if message:
            return str(message)
        return str(data.get("message-type") or "no reason given")
    return str(data) if data else "no reason given"


def _record(work: dict) -> PaperRecord:
    title = _title(work)
    if not title:
        raise ImportFailed(f"Crossref's record for {work.get('DOI', 'this work')} has no title.")
    kind = VENUE_KINDS.get(work.get("type", ""), "other")
    published = min((d for d in (_date(work.get(name)) for name in DATE_FIELDS) if d), default=None)
    doi = work.get("DOI", "")
    extra = {
        key: work[field]
        for key, field in (
            ("publisher", "publisher"),
            ("type", "type"),
            ("issn", "ISSN"),
            ("volume", "volume"),
            ("issue", "issue"),
            ("pages", "page"),
        )
        if work.get(field)
    }
    return PaperRecord(
        title=title,
        authors=[a for a in (_author(raw) for raw in work.get("author") or []) if a],
        abstract=jats_to_text(work.get("abstract") or ""),
        published=published,
        year=published.year if published else None,
        venue_name=_venue_name(work),
        venue_kind=kind,
        keywords=[inline_text(s) for s in work.get("subject") or [] if inline_text(s)],
        source=NAME,
        identifiers={"doi": doi, **_preprint(work)} if doi else _preprint(work),
        links=_pdf_links(work.get("link") or []),
        extra=extra,
    )


def _preprint(work: dict) -> dict[str, str]:
    """The arXiv preprint that Crossref's relations name, so the journal version and the
    preprint become one paper: {"has-preprint": [{"id-type": "doi", "id":
    "10.48550/arXiv.1706.03762"}]} or {"id-type": "arxiv", "id": "1706.03762"}."""
    relations = work.get("relation") or {}
    for item in relations.get("has-preprint") or [] if isinstance(relations, dict) else []:
        if not isinstance(item, dict):
            continue
        value = str(item.get("id") or "")
        if item.get("id-type") == "doi" and value.lower().startswith("10.48550/arxiv."):
            value = value[len("10.48550/arxiv.") :]
        elif item.get("id-type") != "arxiv":
            continue
        found = parse_arxiv(value)
        if found:
            return {"arxiv": found.display}
    return {}


def _title(work: dict) -> str:
    titles = work.get("title") or []
    return inline_text(titles[0]) if titles else ""


def _venue_name(work: dict) -> str:
    containers = work.get("container-title") or []
    if containers and inline_text(containers[0]):
        return inline_text(containers[0])
    event = work.get("event") or {}
    if event.get("name"):
        return inline_text(event["name"])
    # Preprints (posted-content) name their server as the institution: bioRxiv, SSRN.
    for institution in work.get("institution") or []:
        if institution.get("name"):
            return inline_text(institution["name"])
    return ""


def _author(raw: dict) -> AuthorInfo | None:
    given, family = raw.get("given") or "", raw.get("family") or ""
    # Organisations have only a name.
    name = _collapse(f"{given} {family}") or _collapse(raw.get("name") or "")
    if not name:
        return None
    affiliations = [(a.get("name") or "").strip() for a in raw.get("affiliation") or []]
    return AuthorInfo(
        name=name,
        orcid=ORCID_PREFIX.sub("", (raw.get("ORCID") or "").strip()),
        affiliation="; ".join(a for a in affiliations if a),
    )


def _date(field: dict | None) -> date | None:
    """date-parts [[2017, 6, 12]], [[2017, 6]] or [[2017]]; a missing month or day is 1.
    Crossref writes [[null]] when it has no date."""
    if not field:
        return None
    parts = (field.get("date-parts") or [[]])[0] or []
    if not parts or parts[0] is None:
        return None
    year, month, day = [*parts, 1, 1][:3]
    try:
        return date(int(year), int(month or 1), int(day or 1))
    except (TypeError, ValueError):
        try:
            return date(int(year), 1, 1)  # an impossible month or day; the year still holds
        except (TypeError, ValueError):
            return None


def _pdf_links(links: list[dict]) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for link in links:
        url = link.get("URL", "")
        if link.get("content-type") != "application/pdf" or not url.startswith("https://"):
            continue
        if (urlsplit(url).hostname or "").startswith("api."):
            # Text-mining endpoints (api.wiley.com/.../tdm/...) want a client token; a
            # reader's browser gets an error there, not the paper.
            continue
        if all(existing["url"] != url for existing in found):
            found.append({"label": "PDF", "url": url})
    return found


# JATS and HTML -> plain text ------------------------------------------------------------

BLOCKS = {
    "p",
    "sec",
    "title",
    "list",
    "list-item",
    "def-list",
    "disp-quote",
    "boxed-text",
    "abstract",
    "trans-abstract",
    "div",
    "br",
}
DROPPED = {"inline-graphic", "graphic", "media", "inline-media", "object-id"}
# Whitespace that pretty-prints markup: any run with a line break, or of two or more.
_LAYOUT_SPACE = re.compile(r"[ \t\r\f\v]*\n[ \t\r\n\f\v]*|[ \t\r\n\f\v]{2,}")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
# Layout whitespace sits between a tag and the text next to it; beside this punctuation
# it was never a space: "(\n<i>KRAS</i>\n)" is "(KRAS)".
_NO_SPACE_AFTER = "([{/"
_NO_SPACE_BEFORE = ")]},.;:/?!"


class _Jats(HTMLParser):
    """Collects paragraphs of text from JATS or HTML. HTMLParser rather than an XML parser:
    deposited abstracts use undeclared prefixes and HTML entities, and are not always
    well-formed; what cannot be read as markup is kept as text."""

    def __init__(self, *, escape: bool) -> None:
        super().__init__(convert_charrefs=True)
        # In an abstract every bare $ is math and \\ and \$ are escapes (lib.markup's
        # render_abstract), so the text around formulas has its own escaped.
        self.escape = escape
        self.paragraphs: list[tuple[str, bool]] = []  # (text, came from a <title>)
        self.pieces: list[str] = []
        self.in_title = False
        self.dropping = 0
        self.tex: list[str] | None = None  # inside <tex-math>
        self.mathml: list[str] | None = None  # inside <mml:math>
        self.mathml_depth = 0
        self.in_annotation = False
        self.annotation: list[str] | None = None  # a TeX <annotation> inside <mml:math>
        # Inside <alternatives>: the TeX and MathML forms of one formula, of which one is kept.
        self.alternatives: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        name = tag.rsplit(":", 1)[-1]
        if self.mathml is not None:
            if name == "math":
                self.mathml_depth += 1
            elif name in ("annotation", "annotation-xml"):
                encoding = dict(attrs).get("encoding") or ""
                self.annotation = [] if "tex" in encoding else None
                self.in_annotation = True
            return
        if name in DROPPED:
            self.dropping += 1
        elif name in BLOCKS:
            self._flush()
            self.in_title = name == "title"
        elif name == "tex-math":
            self.tex = []
        elif name == "math":
            self.mathml, self.mathml_depth = [], 1
        elif name == "alternatives":
            self.alternatives.append({})

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        name = tag.rsplit(":", 1)[-1]
        if name in DROPPED:
            return  # <inline-graphic .../> has nothing inside to drop
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        name = tag.rsplit(":", 1)[-1]
        if self.mathml is not None:
            if name in ("annotation", "annotation-xml"):
                self.in_annotation = False
            elif name == "math":
                self.mathml_depth -= 1
                if self.mathml_depth == 0:
                    self._end_mathml()
            return
        if name in DROPPED:
            self.dropping = max(0, self.dropping - 1)
        elif name in BLOCKS:
            self._flush()
            self.in_title = False
            self.dropping = 0  # an unclosed graphic never swallows the next paragraph
        elif name == "tex-math" and self.tex is not None:
            self._formula("tex", tex_math("".join(self.tex)))
            self.tex = None
        elif name == "alternatives" and self.alternatives:
            forms = self.alternatives.pop()
            self._emit(forms.get("tex") or forms.get("mathml") or "")

    def handle_data(self, data: str) -> None:
        if self.mathml is not None:
            if not self.in_annotation:
                self.mathml.append(data)
            elif self.annotation is not None:
                self.annotation.append(data)
        elif self.tex is not None:
            self.tex.append(data)
        elif not self.dropping:
            self._emit(data.replace("\\", "\\\\").replace("$", "\\$") if self.escape else data)

    def unknown_decl(self, data: str) -> None:
        if data.startswith("CDATA["):  # TeX is sometimes wrapped in CDATA
            self.handle_data(data[len("CDATA[") :])

    def _end_mathml(self) -> None:
        # MathML often carries its TeX source as an annotation; that is kept as $..$.
        # Without one, its characters are kept as plain text ("x=2"): readable, though
        # not typeset.
        if self.annotation and "".join(self.annotation).strip():
            self._formula("tex", tex_math("".join(self.annotation)))
        else:
            self._formula("mathml", _mathml_text("".join(self.mathml or [])))
        self.mathml, self.annotation, self.in_annotation = None, None, False

    def _formula(self, kind: str, text: str) -> None:
        if self.alternatives:
            self.alternatives[-1].setdefault(kind, text)
        else:
            self._emit(text)

    def _emit(self, text: str) -> None:
        if text:
            self.pieces.append(text)

    def _flush(self) -> None:
        text = tidy("".join(self.pieces))
        self.pieces = []
        if text:
            self.paragraphs.append((text, self.in_title))

    def result(self) -> list[tuple[str, bool]]:
        self.close()
        if self.tex is not None:  # an unclosed <tex-math>: keep what it said
            self._emit(tex_math("".join(self.tex)))
        self._flush()
        return self.paragraphs


def tidy(text: str) -> str:
    """Collapse whitespace; layout whitespace vanishes beside brackets and punctuation
    instead of becoming a space."""

    def join(m: re.Match) -> str:
        before = m.string[m.start() - 1] if m.start() else ""
        after = m.string[m.end()] if m.end() < len(m.string) else ""
        if (before and before in _NO_SPACE_AFTER) or (after and after in _NO_SPACE_BEFORE):
            return ""
        return " "

    return _SPACES.sub(" ", _LAYOUT_SPACE.sub(join, text)).strip()


def tex_math(raw: str) -> str:
    """A <tex-math> body as $..$. Some publishers wrap it in $, $$, \\( \\) or a whole
    LaTeX document (\\documentclass ... \\begin{document}$$x$$\\end{document})."""
    tex = raw.strip()
    m = re.search(r"\\begin\{document\}(.*?)\\end\{document\}", tex, flags=re.DOTALL)
    if m:
        tex = m.group(1).strip()
    for opening, closing in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if tex.startswith(opening) and tex.endswith(closing) and len(tex) > len(opening) * 2:
            tex = tex[len(opening) : -len(closing)].strip()
            break
    tex = _SPACES.sub(" ", tex)
    return f"${tex}$" if tex else ""


def _mathml_text(raw: str) -> str:
    # Pretty-printing whitespace between MathML elements is not part of the formula.
    return _SPACES.sub(" ", re.sub(r"\s*\n\s*", "", raw)).strip()


def jats_to_text(markup: str) -> str:
    """JATS (or HTML) abstract -> plain paragraphs separated by blank lines, math as $..$
    and a dollar or backslash of the text escaped (\\$, \\\\).

    Section titles become paragraphs of their own; a leading "Abstract" title is dropped,
    as the page already says it. Inline styling is kept as plain text, graphics are dropped.
    """
    if not markup.strip():
        return ""
    parser = _Jats(escape=True)
    parser.feed(markup)
    paragraphs = parser.result()
    if paragraphs and paragraphs[0][1] and paragraphs[0][0].casefold() == "abstract":
        paragraphs = paragraphs[1:]
    return "\n\n".join(text for text, _ in paragraphs)


def inline_text(markup: str) -> str:
    """A title or name with inline markup (<i>, <sub>, <scp>) -> one line of text."""
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        return tidy(markup)
    parser = _Jats(escape=False)
    parser.feed(markup)
    return " ".join(text for text, _ in parser.result())


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
