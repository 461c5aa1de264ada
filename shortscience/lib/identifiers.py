"""Recognize and normalize the identifiers a researcher uses for a paper.

Framework-free: the papers app stores what `normalize` returns and looks papers up by
what `candidates` returns for a key typed or pasted by a person.

Kinds and their normal forms:
- arxiv:      base id without version, e.g. "1707.06684", "hep-th/9901001" (the version is
              kept separately as the display form, e.g. "1707.06684v2")
- doi:        lower-cased, e.g. "10.1145/3292500.3330701" (DOIs are case-insensitive)
- dblp:       as DBLP spells it, e.g. "journals/corr/ZeilerF13" (DBLP keys are case-sensitive)
- openreview: as OpenReview spells it, e.g. "rJXMpikCZ"
- legacy:     the key the old ShortScience site used, as it was
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

ARXIV = "arxiv"
DOI = "doi"
DBLP = "dblp"
OPENREVIEW = "openreview"
LEGACY = "legacy"
KINDS = (ARXIV, DOI, DBLP, OPENREVIEW, LEGACY)

# New style (2007-): YYMM.NNNN or YYMM.NNNNN; old style: archive(.SUBJ)/YYMMNNN.
_ARXIV_NEW = r"\d{4}\.\d{4,5}"
_ARXIV_OLD = r"[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7}"
ARXIV_RE = re.compile(rf"^(?P<base>{_ARXIV_NEW}|{_ARXIV_OLD})(?P<version>v\d+)?$")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
DBLP_RE = re.compile(
    r"^(?:journals|conf|books|series|phd|tr|reference|persons|homepages|informal|ms|www)/[^/\s]+/[^/\s]+$"
)
# DBLP files CoRR papers under journals/corr/abs-YYMM-NNNNN; the first ShortScience
# used journals/corr/<arXiv id> for arXiv papers it had no DBLP key for.
_CORR_ABS_RE = re.compile(r"^journals/corr/abs-(\d{4})-(\d{4,5})$")
_CORR_ARXIV_RE = re.compile(rf"^journals/corr/(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?:v\d+)?$")
OPENREVIEW_RE = re.compile(r"^[A-Za-z0-9_\-]{6,20}$")
# Compiled once: bulk imports normalize millions of identifiers.
_ARXIV_PREFIX = re.compile(r"^arxiv:\s*", re.IGNORECASE)
_DOI_PREFIX = re.compile(r"^doi:\s*", re.IGNORECASE)
_DBLP_PREFIX = re.compile(r"^DBLP:")
_URL_SCHEME = re.compile(r"^https?://", re.IGNORECASE)
_ARXIV_PATH = re.compile(r"^/(?:abs|pdf|html|format)/(.+?)(?:\.pdf)?/?$")
# /rec/KEY(.html|.xml|.bib), and the older /rec/bibtex/KEY, /rec/bib/KEY, /rec/xml/KEY
_DBLP_PATH = re.compile(r"^/rec/(?:bibtex\d?/|bib\d?/|xml/)?(.+?)(?:\.(?:html|xml|bib))?$")


@dataclass(frozen=True)
class Identifier:
    kind: str
    value: str  # the normal form: what is stored and matched
    display: str = ""  # the form to show (an arXiv id with its version)

    def __str__(self) -> str:
        return self.display or self.value


def parse_arxiv(text: str) -> Identifier | None:
    text = text.strip()
    if text[:1] in ("a", "A"):  # the prefix's first letter; skips a regex call per record
        text = _ARXIV_PREFIX.sub("", text)
    m = ARXIV_RE.match(text)
    if not m:
        return None
    return Identifier(ARXIV, m["base"], m["base"] + (m["version"] or ""))


def parse_doi(text: str) -> Identifier | None:
    text = unquote(text.strip())
    if text[:1] in ("d", "D"):  # the prefix's first letter; skips a regex call per record
        text = _DOI_PREFIX.sub("", text)
    if not DOI_RE.match(text):
        return None
    return Identifier(DOI, text.lower(), text)


def parse_dblp(text: str) -> Identifier | None:
    text = text.strip()
    text = _DBLP_PREFIX.sub("", text)
    if not DBLP_RE.match(text):
        return None
    return Identifier(DBLP, text, text)


def arxiv_from_dblp_key(key: str) -> Identifier | None:
    """The arXiv id hidden in a CoRR DBLP key, if there is one."""
    m = _CORR_ABS_RE.match(key)
    if m:
        return parse_arxiv(f"{m[1]}.{m[2]}")
    m = _CORR_ARXIV_RE.match(key)
    if m:
        return parse_arxiv(m["id"])
    return None


def _from_url(text: str) -> list[Identifier]:
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:  # "http://[broken": not a URL anything can be read from
        return []
    path = unquote(parts.path)
    if host.endswith("arxiv.org"):
        m = _ARXIV_PATH.match(path)
        found = parse_arxiv(m[1]) if m else None
        return [found] if found else []
    if host in ("doi.org", "dx.doi.org", "www.doi.org"):
        found = parse_doi(path.lstrip("/"))
        return [found] if found else []
    if host.endswith("dblp.org") or host.endswith("dblp.uni-trier.de"):
        m = _DBLP_PATH.match(path)
        return candidates(m[1]) if m else []
    if host.endswith("openreview.net"):
        forum = parse_qs(parts.query).get("id", [""])[0]
        return [Identifier(OPENREVIEW, forum, forum)] if OPENREVIEW_RE.match(forum) else []
    if host.endswith("shortscience.org"):
        key = parse_qs(parts.query).get("bibtexKey", [""])[0]
        return candidates(key) if key else []
    return []


def candidates(key: str) -> list[Identifier]:
    """Every identifier that `key` could stand for, most specific first.

    A key typed by a person is ambiguous in a few places (a DBLP CoRR key is also an arXiv
    id, a short token may be an OpenReview id or an old ShortScience key), so lookups try
    each candidate; the first that names a paper wins.
    """
    key = key.strip()
    if not key or len(key) > 500:
        return []
    if _URL_SCHEME.match(key):
        return _from_url(key)
    found: list[Identifier] = []
    for parse in (parse_arxiv, parse_doi, parse_dblp):
        ident = parse(key)
        if ident:
            found.append(ident)
    if found and found[0].kind == DBLP:
        hidden = arxiv_from_dblp_key(found[0].value)
        if hidden:
            found.append(hidden)
    if not found and OPENREVIEW_RE.match(key):
        found.append(Identifier(OPENREVIEW, key, key))
    found.append(Identifier(LEGACY, key, key))
    return found


def normalize(kind: str, value: str) -> Identifier:
    """The stored form of an identifier of a known kind; ValueError if it is not one."""
    parser = _PARSERS.get(kind)
    if parser:
        ident = parser(value)
        if ident is None:
            raise ValueError(f"{value!r} is not a valid {kind} identifier")
        return ident
    if kind in (OPENREVIEW, LEGACY):
        value = value.strip()
        if not value:
            raise ValueError(f"empty {kind} identifier")
        return Identifier(kind, value, value)
    raise ValueError(f"unknown identifier kind {kind!r}")


_PARSERS = {ARXIV: parse_arxiv, DOI: parse_doi, DBLP: parse_dblp}


def url_for(ident: Identifier) -> list[tuple[str, str]]:
    """Outbound links (label, url) for an identifier."""
    if ident.kind == ARXIV:
        shown = ident.display or ident.value
        return [
            ("arXiv", f"https://arxiv.org/abs/{shown}"),
            ("PDF", f"https://arxiv.org/pdf/{shown}"),
        ]
    if ident.kind == DOI:
        return [("DOI", f"https://doi.org/{ident.display or ident.value}")]
    if ident.kind == DBLP:
        return [("DBLP", f"https://dblp.org/rec/{ident.value}")]
    if ident.kind == OPENREVIEW:
        return [("OpenReview", f"https://openreview.net/forum?id={ident.value}")]
    return []


BIBTEX = "bibtex"
_BIBTEX_START = re.compile(r"^\s*(?:%[^\n]*\n\s*)*@[A-Za-z]+\s*[{(]", re.MULTILINE)


def recognize(text: str) -> Identifier | None:
    """What a person pasted into the one box: the identifier it is, BibTeX, or None.

    BibTeX comes back as Identifier("bibtex", <the text>). For the rest, the most specific
    reading wins (see candidates); a bare token that only could be a legacy key or an
    OpenReview id is recognized only when it came as a URL, since "deep learning" typed
    into an add-paper box is a search, not an identifier.
    """
    text = text.strip().lstrip("\ufeff")
    if not text:
        return None
    if _BIBTEX_START.match(text):
        return Identifier(BIBTEX, text, "")
    if "\n" in text:
        return None
    found = candidates(text)
    for ident in found:
        if ident.kind in (ARXIV, DOI, DBLP):
            return ident
        if ident.kind == OPENREVIEW and text.lower().startswith(("http://", "https://")):
            return ident
    return None
