"""What a person typed into the search box, parsed once for both engines.

    deep "graph neural" transf* author:hinton venue:neurips year:2015-2017 category:cs.LG

Words are ANDed; "quoted words" are a phrase; a trailing * makes a word a prefix; `field:`
filters narrow by author, venue, year (one year or a range) or arXiv category, and take a
word or a "quoted phrase". Everything else that is not a letter or a digit separates words,
as in both engines' tokenizers (SQLite unicode61, PostgreSQL on text cut to letters and
digits), so no query text ever reaches an engine as syntax: each engine module builds its
own expression from these pieces.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from shortscience.lib import identifiers

FIELDS = ("author", "venue", "year", "category")
_ALIASES = {"authors": "author", "cat": "category", "categories": "category"}
# A year range wider than this is refused: the engines expand a range into its years.
MAX_YEAR_SPAN = 100

_TOKEN = re.compile(
    r"""(?P<field>[A-Za-z]+):(?:"(?P<fquoted>[^"]*)"?|(?P<fword>\S*))|"(?P<quoted>[^"]*)"?|(?P<word>[^\s"]+)"""
)
_WORD = re.compile(r"[^\W_]+\*?")
_YEAR = re.compile(r"^(\d{4})(?:\s*(?:-|\.\.)\s*(\d{4}))?$")

# Letters that have no Unicode decomposition but that PostgreSQL's unaccent folds.
_FOLD_EXTRA = str.maketrans(
    # The dotless i is meant: Turkish names fold to i, as unaccent folds them.
    {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th"}  # noqa: RUF001
)


def fold(text: str) -> str:
    """Case- and accent-folded text: what the highlighter compares ("Schrödinger" -> "schrodinger")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD_EXTRA))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Text cut into words the way the engines cut it (a trailing * kept)."""
    return _WORD.findall(unicodedata.normalize("NFC", text))


# English nouns whose plural is not the singular plus -s/-es/-ies: a search for one finds
# the other too. Only the words a paper's text is likely to hold.
_IRREGULAR = {
    "analysis": "analyses",
    "axis": "axes",
    "basis": "bases",
    "child": "children",
    "criterion": "criteria",
    "datum": "data",
    "hypothesis": "hypotheses",
    "index": "indices",
    "leaf": "leaves",
    "man": "men",
    "matrix": "matrices",
    "mouse": "mice",
    "phenomenon": "phenomena",
    "thesis": "theses",
    "vertex": "vertices",
    "woman": "women",
}
_IRREGULAR.update({plural: singular for singular, plural in list(_IRREGULAR.items())})
_VOWELS = set("aeiou")


def number_forms(word: str) -> tuple[str, ...]:
    """`word` in lower case and, for an English word, its other number: the candidate
    singulars of a plural ("transformers" -> "transformer", "queries" -> "query",
    "processes" -> "process") and the plural of a singular ("network" -> "networks").

    Why here and not a stemmer in the index: both engines index words as written (no
    stemming, see papers/search_index.py, so that names and non-English titles are not
    mangled), and a plural is what a reader misses most ("transformers" and "transformer"
    are one topic). Asking for both forms finds both without rebuilding a million rows,
    works the same on SQLite and PostgreSQL, and can only add matches, never lose the
    word as typed. A candidate that is no English word ("processe") matches nothing.
    Words of fewer than four letters, with digits or outside ASCII are left alone.
    """
    w = word.lower()
    if len(w) < 4 or not (w.isascii() and w.isalpha()):
        return (w,)
    forms = [w]
    if w in _IRREGULAR:
        forms.append(_IRREGULAR[w])
    elif w.endswith("ies"):
        forms += [w[:-3] + "y", w[:-1]]  # queries -> query; movies -> movie
    elif w.endswith(("ses", "shes", "ches", "xes", "zes", "oes")):
        forms += [w[:-2], w[:-1]]  # biases -> bias; caches -> cache
    elif w.endswith(("ss", "us", "is")):
        forms.append(w + "es")  # process -> processes
    elif w.endswith("as"):
        forms += [w + "es", w[:-1]]  # bias -> biases; ideas -> idea
    elif w.endswith("s"):
        forms.append(w[:-1])  # networks -> network
    elif w.endswith("y") and w[-2] not in _VOWELS:
        forms.append(w[:-1] + "ies")  # query -> queries
    elif w.endswith(("x", "z", "ch", "sh")):
        forms.append(w + "es")  # box -> boxes
    else:
        forms.append(w + "s")
    return tuple(dict.fromkeys(forms))


@dataclass(frozen=True)
class Term:
    """One word or phrase of the free text: `words` in order; `prefix` on its last word."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    def forms(self) -> list[tuple[str, ...]]:
        """The phrases this term stands for: its words as typed, then with the last word in
        its other number ("neural networks", "neural network"). The last word of an English
        phrase is its head noun; varying every word would multiply the phrases for little.
        A prefix term is already every ending of its last word."""
        if self.prefix:
            return [self.words]
        *head, last = self.words
        return [self.words] + [(*head, form) for form in number_forms(last)[1:]]


@dataclass
class Query:
    raw: str
    terms: list[Term] = field(default_factory=list)
    authors: list[Term] = field(default_factory=list)
    venues: list[Term] = field(default_factory=list)
    categories: list[Term] = field(default_factory=list)
    years: tuple[int, int] | None = None
    identifier: identifiers.Identifier | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def has_filters(self) -> bool:
        return bool(self.authors or self.venues or self.categories or self.years)

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.has_filters

    def highlight_words(self) -> list[tuple[str, bool]]:
        """(folded word, is prefix) for every word a snippet should mark."""
        out = []
        for term in [*self.terms, *self.authors]:
            for i, w in enumerate(term.words):
                out.append((fold(w), term.prefix and i == len(term.words) - 1))
        # The other number of a free term's last word is a hit too (Term.forms).
        for term in self.terms:
            out += [(form[-1], False) for form in term.forms()[1:]]
        return out


def _term(text: str) -> Term | None:
    found = words(text)
    if not found:
        return None
    prefix = found[-1].endswith("*")
    cleaned = tuple(w.rstrip("*") for w in found)
    cleaned = tuple(w for w in cleaned if w)
    if not cleaned:
        return None
    # An inner "*" (tran*former) means nothing to the engines; only a last-word prefix counts.
    return Term(cleaned, prefix=prefix)


def parse(raw: str) -> Query:
    raw = (raw or "").strip()
    query = Query(raw=raw)
    if not raw:
        return query
    ident = identifiers.recognize(raw)
    if ident is not None and ident.kind in (identifiers.ARXIV, identifiers.DOI, identifiers.DBLP):
        query.identifier = ident
    for m in _TOKEN.finditer(raw):
        name = (m.group("field") or "").lower()
        name = _ALIASES.get(name, name)
        if m.group("field") and name in FIELDS:
            value = m.group("fquoted") if m.group("fquoted") is not None else m.group("fword")
            _add_filter(query, name, value or "")
            continue
        if m.group("field"):
            # "foo:bar" with an unknown field: plain words, as a person meant them.
            text = m.group(0)
        elif m.group("quoted") is not None:
            text = m.group("quoted")
        else:
            text = m.group("word")
        # A bare token such as "state-of-the-art" or "cs.LG" is, like a quoted one, a phrase
        # of its words: both tokenizers index it as those words in a row.
        term = _term(text)
        if term:
            query.terms.append(term)
    # Both are searched as well as they can be, but a query that finds nothing should say
    # why rather than leave the reader to guess.
    if raw.count('"') % 2:
        query.errors.append(
            'A quote mark (") is not closed: the words after it were searched as one phrase, '
            "to the end of the query."
        )
    if query.is_empty and query.identifier is None and not query.errors:
        query.errors.append(
            "Nothing to search for: a query needs letters or digits, "
            'e.g. transformer, "graph neural" or author:hinton.'
        )
    return query


def _add_filter(query: Query, name: str, value: str) -> None:
    value = value.strip()
    if not value:
        query.errors.append(f"{name}: needs a value, e.g. {name}:{_EXAMPLES[name]}.")
        return
    if name == "year":
        m = _YEAR.match(value)
        if not m:
            query.errors.append(
                f"year: takes a year or a range, e.g. year:2017 or year:2015-2017; not {value!r}."
            )
            return
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if first > last:
            first, last = last, first
        if last - first > MAX_YEAR_SPAN:
            query.errors.append(f"year: a range can span at most {MAX_YEAR_SPAN} years.")
            return
        if query.years:  # two year filters: their intersection
            first, last = max(first, query.years[0]), min(last, query.years[1])
        query.years = (first, last)
        return
    term = _term(value)
    if term is None:
        query.errors.append(f"{name}: needs letters or digits, e.g. {name}:{_EXAMPLES[name]}.")
        return
    {"author": query.authors, "venue": query.venues, "category": query.categories}[name].append(
        term
    )


_EXAMPLES = {"author": "hinton", "venue": "neurips", "year": "2017", "category": "cs.LG"}
