"""BibTeX for papers: what /paper/<id>/bibtex and /venue/bibtex answer.

Keys: `<first author's surname><year><first word of the title>`, ASCII-folded (accents
dropped, other non-ASCII letters left out) and lowercased, skipping short function words
("A Study of Things" -> "study"): lovelace2017study. A part that is missing is left out
(no authors, no year); a key that ends up empty is `paper<id>`. The key depends on the
paper alone, so the same paper gets the same key in every export; only when one file would
hold two entries with the same key does each of those get `_<paper id>` appended.

Values: BibTeX/LaTeX's special characters are escaped (`{ } % & $ # _ ~ ^ \\`); other
non-ASCII characters are written as they are, in UTF-8 (biber and modern BibTeX read UTF-8;
the response says charset=utf-8). Titles are typeset text here, as the BibTeX importer
reads them: `$...$` is math and is written as TeX, a literal dollar is stored and written
as `\\$`; words of the title with capitals are braced so styles that lowercase titles keep
"BERT" and "Gaussian". doi, eprint and url are written verbatim
(they are verbatim fields in biblatex), only with braces removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from shortscience.discovery.queries import absolute
from shortscience.lib import records
from shortscience.papers.models import Paper, Venue

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# Skipped when choosing the title word of a key, as Google Scholar's keys do.
_STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "from", "by", "at"}
_NOT_KEY = re.compile(r"[^a-z0-9]")


def escape(text: str) -> str:
    return "".join(_SPECIAL.get(c, c) for c in text)


def fold(text: str) -> str:
    """ASCII letters and digits only, lowercased: 'Müller' -> 'muller'."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    return _NOT_KEY.sub("", ascii_only.lower())


def _escape_text(text: str) -> str:
    """Escape text of a typeset field, where the site already stores a literal dollar as
    `\\$` (a bare `$` opens math): that one stays as it is."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("\\$", i):
            out.append("\\$")
            i += 2
            continue
        out.append(_SPECIAL.get(text[i], text[i]))
        i += 1
    return "".join(out)


def _closing_dollar(text: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "$":
            return i
        i += 1
    return -1


def _segments(text: str) -> list[tuple[bool, str]]:
    """(is_math, part) pieces of a title: `$...$` spans with balanced braces are math."""
    parts: list[tuple[bool, str]] = []
    i = start = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "$":
            close = _closing_dollar(text, i + 1)
            math = text[i : close + 1]
            if close > i + 1 and math.count("{") == math.count("}"):
                parts += [(False, text[start:i]), (True, math)]
                i = start = close + 1
                continue
        i += 1
    parts.append((False, text[start:]))
    return [p for p in parts if p[1]]


def _brace_capitals(word: str) -> str:
    escaped = _escape_text(word)
    return "{" + escaped + "}" if any(c.isupper() for c in word) else escaped


def protect_title(title: str) -> str:
    """Titles are typeset text (papers/sources/bibtex.py reads them so): `$...$` is math and
    goes out as TeX; the rest is escaped, and its words with capitals braced."""
    out = []
    for is_math, part in _segments(" ".join(title.split())):
        out.append(part if is_math else re.sub(r"\S+", lambda m: _brace_capitals(m[0]), part))
    return "".join(out)


def format_name(name: str) -> str:
    """'Ada King Lovelace' -> 'Lovelace, Ada King': the form BibTeX cannot misread."""
    name = " ".join(name.split())
    if "," in name:
        return escape(name)
    surname = records.surname(name)
    given = name[: len(name) - len(surname)].strip() if name.endswith(surname) else ""
    return escape(f"{surname}, {given}" if given else surname)


def key_for(paper: Paper) -> str:
    authors = paper.ordered_authors
    surname = fold(authors[0].surname) if authors else ""
    word = next(
        (w for w in (fold(t) for t in paper.title.split()) if w and w not in _STOP_WORDS), ""
    )
    return f"{surname}{paper.year or ''}{word}" or f"paper{paper.pk}"


def _verbatim(value: str) -> str:
    return value.replace("{", "").replace("}", "")


def _fields(paper: Paper) -> tuple[str, list[tuple[str, str]]]:
    venue = paper.venue
    kind = venue.kind if venue else ""
    entry_type = {
        Venue.Kind.CONFERENCE: "inproceedings",
        Venue.Kind.JOURNAL: "article",
    }.get(kind, "misc")
    fields = [("title", protect_title(paper.title))]
    authors = paper.ordered_authors
    if authors:
        fields.append(("author", " and ".join(format_name(a.name) for a in authors)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if venue and entry_type == "inproceedings":
        fields.append(("booktitle", escape(venue.name)))
    elif venue and entry_type == "article":
        fields.append(("journal", escape(venue.name)))
    elif venue and kind != Venue.Kind.PREPRINT:
        fields.append(("howpublished", escape(venue.name)))
    doi = paper.identifier("doi")
    if doi:
        fields.append(("doi", _verbatim(doi.display or doi.value)))
    arxiv = paper.identifier("arxiv")
    if arxiv:
        fields.append(("eprint", _verbatim(arxiv.value)))
        fields.append(("archivePrefix", "arXiv"))
        primary = str((paper.metadata or {}).get("primary_category") or "")
        if primary:
            fields.append(("primaryClass", escape(primary)))
    if arxiv:
        url = f"https://arxiv.org/abs/{arxiv.value}"
    elif doi:
        url = f"https://doi.org/{doi.display or doi.value}"
    else:
        url = absolute(paper.get_absolute_url())
    fields.append(("url", _verbatim(url)))
    return entry_type, fields


def entry(paper: Paper, key: str | None = None) -> str:
    """One entry. The paper should come from PaperQuerySet.with_details(): authors and
    identifiers are read from what it loaded."""
    entry_type, fields = _fields(paper)
    width = max(len(name) for name, _ in fields)
    lines = [f"  {name.ljust(width)} = {{{value}}}" for name, value in fields]
    return f"@{entry_type}{{{key or key_for(paper)},\n" + ",\n".join(lines) + "\n}\n"


def entries(papers: Iterable[Paper]) -> str:
    papers = list(papers)
    keys = [key_for(p) for p in papers]
    clashes = {k for k, n in Counter(keys).items() if n > 1}
    return "\n".join(
        entry(p, f"{k}_{p.pk}" if k in clashes else k) for p, k in zip(papers, keys, strict=True)
    )
